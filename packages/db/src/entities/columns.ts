import { p } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';

/** Every table's primary key: a UUID v7 (time-ordered, opaque), made on insert. */
export const uuidPrimaryKey = () =>
  p
    .string()
    .length(36)
    .primary()
    .onCreate(() => uuidv7());
