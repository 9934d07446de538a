export { CliError } from './errors.js';
export { createProgram } from './program.js';
