export { parseOptions, describeValue, keysAt } from './parse.js';
export { suggestName, synonymOf, nameNote, normalizeName, editDistance } from './names.js';
export * as schemas from './schemas.js';
