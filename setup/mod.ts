/**
 * Setup foundation: service specs, renderers for launchd / systemd / Task Scheduler,
 * service backends acting through a `CommandRunner`, and the proxy environment with its
 * rc-file and certifi blocks. Pure where possible; side effects come in through deps.
 */
export { isRole, orderRoles, type Role, ROLES, START_ORDER, STOP_ORDER } from "./roles.ts";
export { launchdLabel, scheduledTaskName, systemdUnitName, TASK_FOLDER } from "./service_names.ts";
export {
  DAEMON_SOURCE_PERMISSIONS,
  type LaunchCommand,
  launchCommand,
  type LaunchContext,
  SOURCE_PERMISSIONS,
  sourcePermissions,
} from "./launch_command.ts";
export {
  createServiceSpec,
  roleLogPaths,
  type ServiceSpec,
  type ServiceSpecInput,
  serviceSpecSchema,
} from "./service_spec.ts";
export {
  COMMAND_NOT_FOUND,
  type CommandResult,
  type CommandRunner,
  createCommandRunner,
  type RunOptions,
} from "./command_runner.ts";
export {
  createRecordingRunner,
  type RecordedCall,
  type RecordingRunner,
  type Responder,
} from "./recording_runner.ts";
export { createFileDeps, type FileDeps } from "./file_deps.ts";
export { createMemoryFiles, type FileOp, type MemoryFiles } from "./memory_files.ts";
export { createProcessDeps, type DetachedCommand, type ProcessDeps } from "./process_deps.ts";
export { renderLaunchdPlist } from "./render_launchd_plist.ts";
export { lingerHint, renderSystemdUnit } from "./render_systemd_unit.ts";
export { encodeTaskXml, renderTaskSchedulerXml } from "./render_task_scheduler_xml.ts";
export {
  BACKEND_NAMES,
  type BackendName,
  type BackendReport,
  type BackendStep,
  type EntryFile,
  type ServiceBackend,
  type ServiceState,
  type ServiceStatus,
} from "./service_backend.ts";
export { launchdBackend, type LaunchdBackendOptions } from "./launchd_backend.ts";
export { systemdBackend, type SystemdBackendOptions } from "./systemd_backend.ts";
export {
  taskSchedulerBackend,
  type TaskSchedulerBackendOptions,
} from "./task_scheduler_backend.ts";
export { directBackend, directBackendFiles, type DirectBackendOptions } from "./direct_backend.ts";
export {
  type BackendChoice,
  chooseBackend,
  type ChooseBackendInput,
  probeSystemdUser,
} from "./choose_backend.ts";
export { NO_PROXY_VALUE, proxyEnv, type ProxyEnvInput } from "./proxy_env.ts";
export { PROXY_PASSWORD, proxyUrl } from "./proxy_url.ts";
export {
  RC_BEGIN_MARKER,
  RC_END_MARKER,
  renderShellExports,
  renderShellRcBlock,
  type Shell,
} from "./render_shell_rc_block.ts";
export { applyRcBlock, removeRcBlock } from "./rc_block.ts";
export { renderEnvironmentD } from "./render_environment_d.ts";
export {
  addCertifiBlock,
  CERTIFI_MARKER,
  holdsCertifiBlock,
  removeCertifiBlock,
} from "./certifi_block.ts";
export {
  type CaTrust,
  type CertifiPatcher,
  type CertifiTarget,
  createSetupReport,
  type LoginEnvironment,
  type SetupReport,
  type SetupStep,
  type StepOutcome,
  type SystemProxyControl,
  type SystemProxySnapshot,
  type SystemProxyState,
  type TrustState,
} from "./machine_interfaces.ts";
// OS trust store and certifi (init steps 2 and 3).
export {
  type CaTrustOptions,
  type CaTrustPaths,
  createCaTrust,
  DEBIAN_CA_FILE,
  detectLinuxTrustFamily,
  FEDORA_CA_FILE,
  type LinuxTrustFamily,
  NSS_NICKNAME,
  parseLinuxTrustFamily,
} from "./ca_trust.ts";
export {
  CERTIFI_PROBE,
  type CertifiPatcherOptions,
  createCertifiPatcher,
} from "./certifi_patcher.ts";
// Apps and full mode: login environment, system proxy, Node preload (h-envmode).
export { nodePreloadOption, PROXY_ENV_NAMES } from "./proxy_env.ts";
export {
  appendNodeOption,
  hasNodeOption,
  NODE_OPTIONS,
  removePreloadOptions,
} from "./node_options.ts";
export {
  createLoginEnvironment,
  type LoginEnvironmentOptions,
  WINDOWS_ENV_KEY,
} from "./login_environment.ts";
export {
  createSystemProxyControl,
  noSystemProxy,
  type SystemProxyBackendName,
  systemProxyControlFromEnv,
  type SystemProxyControlOptions,
} from "./system_proxy_control.ts";
export { networksetupControl } from "./system_proxy_networksetup.ts";
export { GNOME_PROXY_SCHEMA, gsettingsControl } from "./system_proxy_gsettings.ts";
export {
  NODE_PRELOAD_SOURCE,
  nodeHasNativeEnvProxy,
  nodePreloadPath,
  writeNodePreload,
} from "./node_preload.ts";
// What `run` and `up` give a command: the Node preload and CA file refreshed in the state
// directory, the caller's environment without the checkout wrapper's changes.
export { ensureNodePreload } from "./ensure_node_preload.ts";
export { type NodeExtraCaCerts, nodeExtraCaCerts } from "./node_extra_ca_certs.ts";
export { denoStateFileFs, ensureStateFile, type StateFileFs } from "./ensure_state_file.ts";
export { CALLER_PREFIX, callerEnv, RESTORE_LIST } from "./caller_env.ts";
export {
  loginEnvEdgePort,
  type LoginEnvRecord,
  type LoginEnvTarget,
  readLoginEnvRecord,
  type ReadRecord,
  readUserenvApplied,
  retargetLoginEnv,
  type UserenvApplied,
  writeLoginEnvRecord,
  writeUserenvApplied,
} from "./login_env_record.ts";
// Shared with doctor: POSIX quoting of pasted commands, certificate identity in PEM texts.
export { shellQuote } from "./_shell_quote.ts";
export { containsCert, pemBodies } from "./_pem.ts";
