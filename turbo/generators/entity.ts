import type { PlopTypes } from '@turbo/gen';

export function registerEntityGenerator(_plop: PlopTypes.NodePlopAPI): void {}
