/**
 * Worker that receives items by postMessage and drops them. A number is a flush request:
 * it is echoed back once every earlier message has been received.
 */
import { parentPort } from 'node:worker_threads';

let received = 0;
parentPort!.on('message', (message: unknown) => {
  if (typeof message === 'number') {
    parentPort!.postMessage(received);
    return;
  }
  received += Array.isArray(message) ? message.length : 1;
});
