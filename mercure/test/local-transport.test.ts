import { LocalTransport } from '../src/local-transport.js';
import { transportSuite } from './transport-suite.js';

transportSuite('local', (options) => new LocalTransport(options));
