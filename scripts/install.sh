#!/bin/sh
# Halton Meter installer (POSIX sh: dash, bash, macOS /bin/sh). Never needs root.
#
#   curl -fsSL https://github.com/halton-meter/halton-meter/releases/latest/download/install.sh | sh
#   ... | sh -s -- --version 0.2.0 --prefix "$HOME/bin"
#
# Downloads the release's SHA256SUMS and the binary for this OS and CPU, verifies it, and
# moves it into place in one rename (an upgrade swaps the file; running processes keep the
# old one until they restart). Any failure leaves an installed binary as it was.
# HALTON_METER_RELEASE_URL replaces the release location (a mirror, or a test server).
# `halton-meter upgrade` does the same in TypeScript (cli/upgrade/); keep the two in step.

set -u

DEFAULT_RELEASE_URL="https://github.com/halton-meter/halton-meter/releases"

say() { printf '%s\n' "$*"; }
die() {
	printf 'halton-meter install: %s\n' "$*" >&2
	exit 1
}

usage() {
	say "usage: install.sh [--version VERSION] [--prefix DIR]"
	say "  --version VERSION  install this release (default: the latest)"
	say "  --prefix DIR       install into DIR (default: ~/.local/bin)"
}

# Sets `target`: Deno's target triple for this machine, as in the artifact names.
detect_target() {
	os=$(uname -s 2>/dev/null) || die "cannot run uname to detect the operating system"
	arch=$(uname -m 2>/dev/null) || die "cannot run uname to detect the CPU"
	case "$os" in
	Linux) os_part=unknown-linux-gnu ;;
	Darwin) os_part=apple-darwin ;;
	MINGW* | MSYS* | CYGWIN* | Windows*)
		die "this script installs on Linux and macOS; on Windows download halton-meter-<version>-x86_64-pc-windows-msvc.exe from $release_url"
		;;
	*) die "no release is built for the operating system $os (Linux and macOS are; Windows has an .exe)" ;;
	esac
	case "$arch" in
	x86_64 | amd64) cpu=x86_64 ;;
	arm64 | aarch64) cpu=aarch64 ;;
	*) die "no release is built for the CPU $arch on $os (x86_64 and arm64 are)" ;;
	esac
	# An x86_64 shell under Rosetta on Apple silicon: the native build is the one to run.
	if [ "$os" = Darwin ] && [ "$cpu" = x86_64 ] &&
		[ "$(sysctl -n sysctl.proc_translated 2>/dev/null)" = 1 ]; then
		cpu=aarch64
	fi
	if [ "$os" = Linux ] && ldd --version 2>&1 | grep -qi musl; then
		die "the Linux builds need glibc; this system uses musl (Alpine?)"
	fi
	target="$cpu-$os_part"
}

# Picks the downloader and the SHA-256 tool this machine has.
pick_tools() {
	if command -v curl >/dev/null 2>&1; then
		downloader=curl
	elif command -v wget >/dev/null 2>&1; then
		downloader=wget
	else
		die "neither curl nor wget is installed: install one of them and run this again"
	fi
	if command -v sha256sum >/dev/null 2>&1; then
		hasher="sha256sum"
	elif command -v shasum >/dev/null 2>&1; then
		hasher="shasum -a 256"
	else
		die "neither sha256sum nor shasum is installed: the download cannot be verified"
	fi
}

# fetch URL FILE: fails (non-zero) on any HTTP error.
fetch() {
	if [ "$downloader" = curl ]; then
		curl -fsSL --retry 2 -o "$2" "$1"
	else
		wget -q -O "$2" "$1"
	fi
}

sha256_of() {
	# shellcheck disable=SC2086 # "shasum -a 256" is meant to split
	$hasher "$1" | cut -d ' ' -f 1
}

# The PATH line for the user's shell.
path_hint() {
	shell=${SHELL:-sh}
	case "${shell##*/}" in
	zsh) say "  echo 'export PATH=\"$1:\$PATH\"' >> ~/.zshrc" ;;
	bash) say "  echo 'export PATH=\"$1:\$PATH\"' >> ~/.bashrc" ;;
	fish) say "  fish_add_path '$1'" ;;
	*) say "  echo 'export PATH=\"$1:\$PATH\"' >> ~/.profile" ;;
	esac
}

main() {
	version=""
	prefix=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--version | --prefix)
			[ $# -ge 2 ] || die "$1 needs a value"
			if [ "$1" = --version ]; then version=$2; else prefix=$2; fi
			shift 2
			;;
		--version=*)
			version=${1#--version=}
			shift
			;;
		--prefix=*)
			prefix=${1#--prefix=}
			shift
			;;
		-h | --help)
			usage
			exit 0
			;;
		*)
			usage >&2
			die "unknown argument: $1"
			;;
		esac
	done
	release_url=${HALTON_METER_RELEASE_URL:-$DEFAULT_RELEASE_URL}
	release_url=${release_url%/}
	if [ -z "$prefix" ]; then
		[ -n "${HOME:-}" ] || die "HOME is not set: pass --prefix DIR"
		prefix="$HOME/.local/bin"
	fi

	detect_target
	pick_tools
	version=${version#v}
	if [ -n "$version" ]; then
		base="$release_url/download/v$version"
	else
		base="$release_url/latest/download"
	fi

	mkdir -p "$prefix" 2>/dev/null ||
		die "cannot create $prefix: pass --prefix with a directory you can write (no root needed)"
	# The download lands beside its destination, so the final move is one rename.
	tmp=$(mktemp -d "$prefix/.halton-meter-install.XXXXXX" 2>/dev/null) ||
		die "cannot write to $prefix: pass --prefix with a directory you can write (no root needed)"
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 1' INT TERM HUP

	fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS" ||
		die "cannot download $base/SHA256SUMS${version:+ (is $version a released version?)}"
	line=$(grep -E "^[0-9a-f]{64}  halton-meter-[^ /]+-$target\$" "$tmp/SHA256SUMS" | head -n 1)
	if [ -z "$line" ]; then
		die "the release at $base has no build for $target"
	fi
	expected=${line%% *}
	asset=${line##* }
	found=${asset#halton-meter-}
	found=${found%-"$target"}

	fetch "$base/$asset" "$tmp/halton-meter" || die "cannot download $base/$asset"
	actual=$(sha256_of "$tmp/halton-meter")
	if [ "$actual" != "$expected" ]; then
		die "checksum mismatch for $asset: SHA256SUMS says $expected, the download is $actual; nothing was installed"
	fi
	chmod 755 "$tmp/halton-meter"

	dest="$prefix/halton-meter"
	if [ -f "$dest" ] && [ "$(sha256_of "$dest")" = "$expected" ]; then
		say "halton-meter $found is already installed at $dest"
	else
		"$tmp/halton-meter" --version >/dev/null 2>&1 ||
			die "the downloaded halton-meter $found does not run here ($target); nothing was installed"
		mv -f "$tmp/halton-meter" "$dest" || die "cannot move the new binary into $dest"
		say "Installed halton-meter $found ($target) to $dest"
	fi

	run="halton-meter"
	case ":${PATH:-}:" in
	*":$prefix:"*) ;;
	*)
		run=$dest
		say ""
		say "$prefix is not on your PATH. To add it:"
		path_hint "$prefix"
		say "then open a new shell."
		;;
	esac
	say ""
	say "Next: $run onboard"
	say "  (trusts its CA, starts the services and meters new shells; $run --help lists the rest)"
}

main "$@"
