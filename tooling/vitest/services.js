// Which outside services the tests must have. A test that needs one that is
// missing is skipped with a notice, unless the variable naming it is set
// (TEST_DATABASE_URL, TEST_REDIS_URL, CHROMIUM_PATH, NGINX_PATH) or REQUIRE_SERVICES=1:
// then it fails, so a CI that provides the service can never skip its tests.
const requiresAll = ['1', 'true'].includes(process.env.REQUIRE_SERVICES ?? '');

export const isRequired = {
  mysql: requiresAll || Boolean(process.env.TEST_DATABASE_URL),
  redis: requiresAll || Boolean(process.env.TEST_REDIS_URL),
  chromium: requiresAll || Boolean(process.env.CHROMIUM_PATH),
  nginx: requiresAll || Boolean(process.env.NGINX_PATH),
};
