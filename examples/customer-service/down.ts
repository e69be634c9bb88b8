/** Removes the customer-service stack (containers, then its network). Model code folders are kept. */
import { Stack } from '../../src/index.js';

const result = await Stack.forProject('customer-service').down();
console.log(`customer-service: removed ${result.removedContainers.length} containers and ${result.removedNetworks.length} network(s); model code folders are kept.`);
