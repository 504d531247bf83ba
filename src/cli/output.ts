/** Where the CLI writes; injectable so e2e tests can run commands in-process. */
export interface CliOutput {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export const processOutput: CliOutput = { stdout: process.stdout, stderr: process.stderr };
