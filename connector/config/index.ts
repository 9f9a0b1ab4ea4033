/** Configuration: one YAML file + EXO_AUDIT_* environment overrides, validated against config.schema.json. */
export { ENV_BINDINGS, applyEnv, pathText, type EnvBinding } from "./env.ts";
export {
  DEFAULT_CONFIG_FILE,
  loadConfig,
  loadConfigOrThrow,
  withDefaults,
  type LoadConfigOptions,
  type LoadedConfig,
} from "./load.ts";
export { redactConfig } from "./redact.ts";
export * from "./types.ts";
export { CONFIG_SCHEMA, SECRET_KEYS, authMethodOf, validateRawConfig } from "./validate.ts";
