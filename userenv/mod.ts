/** The userenv role: re-applies the recorded login environment once per login. */
export {
  INIT_RUNNING_MAX_AGE_MS,
  runUserenv,
  type RunUserenvOptions,
  type UserenvDeps,
} from "./run_userenv.ts";
export { runUserenvRole } from "./run_userenv_role.ts";
