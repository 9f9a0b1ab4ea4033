/**
 * The options of a script run through npm (`npm run build -- --out dir`): the parsed values, or the exit code
 * when there is nothing to run. `-h`/`--help` must be one of the options.
 *
 * | Arguments                | Result                                                  |
 * | ------------------------ | ------------------------------------------------------- |
 * | valid                    | the values                                              |
 * | `-h` / `--help`          | the help on stdout, exit code 0                         |
 * | unknown option, no value | the error and the help on stderr, exit code 2           |
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

export function scriptOptions<const O extends Options>(
  options: O,
  help: string,
): ReturnType<typeof parseArgs<{ options: O }>>["values"] | number {
  let values: ReturnType<typeof parseArgs<{ options: O }>>["values"];
  try {
    ({ values } = parseArgs({ options }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${help}`);
    return 2;
  }
  if ((values as { help?: unknown }).help) {
    console.log(help);
    return 0;
  }
  return values;
}
