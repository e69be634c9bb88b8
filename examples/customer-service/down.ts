/** Removes the customer-service stack (containers, then its network). Model folders stay. */
import { Stack } from '../../src/index.js';
import { customerServiceProject, STANDIN_IMAGE } from './project.js';

await new Stack(customerServiceProject(STANDIN_IMAGE)).down();
console.log('customer-service: removed (model code folders are kept).');
