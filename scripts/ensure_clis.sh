#!/usr/bin/env bash
# Installs the real LLM CLIs the black-box tests drive (pinned, from npm) into .tools/clis.
# Best effort: a CLI that cannot be installed is skipped by its tests, with the reason
# written to .tools/clis/<name>.skip.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.tools/clis"
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"private":true}' >"$dir/package.json"
# name@version:bin
for spec in "@anthropic-ai/claude-code@2.1.332:claude" "@openai/codex@0.171.0:codex" \
  "@google/gemini-cli@0.61.0:gemini"; do
  pkg="${spec%:*}"
  bin="${spec##*:}"
  name="${pkg%@*}"
  version="${pkg##*@}"
  installed="$(node -p "try{require('$dir/node_modules/$name/package.json').version}catch{''}" 2>/dev/null)"
  if [ "$installed" = "$version" ] && [ -x "$dir/node_modules/.bin/$bin" ]; then
    rm -f "$dir/$bin.skip"
    continue
  fi
  echo "test: installing $pkg from npm into $dir" >&2
  if out="$(npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$pkg" 2>&1)" &&
    [ -x "$dir/node_modules/.bin/$bin" ]; then
    rm -f "$dir/$bin.skip"
  else
    printf 'npm install %s failed: %s\n' "$pkg" "$(tail -n 3 <<<"$out" | tr '\n' ' ')" >"$dir/$bin.skip"
    echo "test: $(cat "$dir/$bin.skip")" >&2
  fi
done
