import { run } from './main.ts';

await run();
// A hung socket (an endpoint that never answered, abandoned when the run stopped waiting) must not
// hold the job: everything the run had to say is written by now.
process.exit();
