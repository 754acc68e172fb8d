/**
 * The config file box (src/config/): its one entry. file.ts reads and validates the file
 * (`rmalloc-sim.json` or `--config F`); cli.ts is the yargs middleware that applies it to every
 * command and runs a command once per device when the file lists several.
 */
export * from './file';
export { configMiddleware, nextDeviceRun, perDevicePath, joinDeviceOutputs } from './cli';
