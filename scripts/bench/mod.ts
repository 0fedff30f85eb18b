export { BENCHES } from "./benches.ts";
export type { Bench, BenchContext, BenchLoader, BenchOutcome } from "./bench_types.ts";
export { type CleanupScope, createCleanupScope } from "./cleanup_scope.ts";
export { replaceSection, sectionMarkers, writeDocSection } from "./write_doc_section.ts";
