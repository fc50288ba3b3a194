/*
 * camelcase and decamelize as meow uses them (through camelcase-keys, decamelize-keys and its own
 * files), answering at once for the keys our flags have: lowercase ASCII. Their first call otherwise
 * compiles Unicode property regular expressions (\p{Lu}, \p{Ll}, \p{Alpha}), ~1 ms of every start,
 * to find that there is nothing to change. Anything else goes to the packages themselves; for the
 * inputs answered here, their answer is the input (src/cli/meow-dependencies.test.ts compares).
 * src/bundle.mjs resolves `camelcase` and `decamelize` to these (except from this file).
 */
import realCamelcase from 'camelcase';
import realDecamelize from 'decamelize';

/**
 * camelcase('config') is 'config': only letters, all lowercase, so no case to preserve and no
 * separator or digit to capitalise after; pascalCase would capitalise the first letter.
 */
export function camelcase(input, options) {
  if (typeof input === 'string' && /^[a-z]+$/.test(input) && !options?.pascalCase) return input;
  return realCamelcase(input, options);
}

/**
 * decamelize('no-color', {separator: '-'}) is 'no-color': in ASCII, only A-Z are uppercase letters,
 * so with none of them nothing is split and lowercasing changes nothing.
 */
export function decamelize(text, options) {
  if (typeof text === 'string' && typeof (options?.separator ?? '_') === 'string' && /^[\0-@[-\x7f]*$/.test(text)) return text;
  return realDecamelize(text, options);
}
