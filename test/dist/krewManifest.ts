// krew's own checks of a plugin manifest (kubernetes-sigs/krew internal/index/validation ValidatePlugin and
// validatePlatform), plus the krew-index naming guide's rules and what `krew install` needs to pick one
// platform: the messages are krew's where krew has one.
export const KREW_API_VERSION = 'krew.googlecontainertools.github.com/v1alpha2';
const SAFE_NAME = /^[\w-]+$/;
const WINDOWS_FORBIDDEN = ['CON', 'PRN', 'AUX', 'NUL', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`COM${n}`, `LPT${n}`])];
// krew's semver.Parse: a "v" prefix, then semantic version 2.0.0.
const SEMVER = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const SHA256 = /^[a-f0-9]{64}$/;
/** The platforms krew knows (GOOS/GOARCH values its selector is matched against). */
const OSES = ['linux', 'darwin', 'windows'];
const ARCHES = ['amd64', 'arm64', '386', 'arm', 'ppc64le', 's390x'];

/** The problems with a manifest read from `fileName`; empty when krew would accept it. */
export function validateKrewManifest(m: any, fileName: string): string[] {
  const errors: string[] = [];
  const name = fileName.replace(/\.yaml$/, '');
  if (m?.apiVersion !== KREW_API_VERSION) errors.push(`plugin manifest has apiVersion="${m?.apiVersion}", not supported in this version of krew`);
  if (m?.kind !== 'Plugin') errors.push(`plugin manifest has kind="${m?.kind}", but only "Plugin" is supported`);
  if (!SAFE_NAME.test(name) || WINDOWS_FORBIDDEN.includes(name.toUpperCase())) errors.push(`the plugin name "${name}" is not allowed, must match "${SAFE_NAME.source}"`);
  // Naming guide: all lowercase, words separated by hyphens.
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) errors.push(`the plugin name "${name}" must be lowercase words separated by hyphens`);
  if (m?.metadata?.name !== name) errors.push(`plugin should be named "${name}", not "${m?.metadata?.name}"`);
  const spec = m?.spec ?? {};
  if (!spec.shortDescription) errors.push('should have a short description');
  else if (/[\r\n]/.test(spec.shortDescription)) errors.push('should not have line breaks in short description');
  if (!spec.version) errors.push('should have a version specified');
  else if (!SEMVER.test(spec.version)) errors.push(`failed to parse plugin version: "${spec.version}" (a semantic version with the "v" prefix)`);
  if (!Array.isArray(spec.platforms) || spec.platforms.length === 0) errors.push('should have a platform specified');
  const seen = new Set<string>();
  for (const [i, p] of (spec.platforms ?? []).entries()) {
    const at = `platform ${i}`;
    if (!p.uri) errors.push(`${at}: \`uri\` has to be set`);
    if (!p.sha256) errors.push(`${at}: \`sha256\` sum has to be set`);
    else if (!SHA256.test(p.sha256)) errors.push(`${at}: \`sha256\` value ${p.sha256} is not valid, must match pattern ^[a-f0-9]{64}$`);
    if (!p.bin) errors.push(`${at}: \`bin\` has to be set`);
    // Unspecified files means krew's default (every file of the archive); an empty list is refused.
    if (p.files !== undefined && (!Array.isArray(p.files) || p.files.length === 0)) errors.push(`${at}: \`files\` is invalid: \`files\` has to be unspecified or non-empty`);
    for (const f of p.files ?? []) {
      if (!f.from) errors.push(`${at}: \`files\` is invalid: \`from\` field has to be set`);
      else if (!f.to) errors.push(`${at}: \`files\` is invalid: \`to\` field has to be set`);
    }
    const sel = p.selector;
    if (!sel) {
      errors.push(`${at}: invalid platform selector: nil selector is not supported`);
      continue;
    }
    if (!sel.matchLabels && !(sel.matchExpressions ?? []).length) errors.push(`${at}: invalid platform selector: empty selector is not supported`);
    const keys = [...Object.keys(sel.matchLabels ?? {}), ...(sel.matchExpressions ?? []).map((e: any) => e.key)];
    for (const k of keys) if (k !== 'os' && k !== 'arch') errors.push(`${at}: invalid platform selector: key "${k}" not supported`);
    if (sel.matchLabels && Object.keys(sel.matchLabels).length === 0) errors.push(`${at}: invalid platform selector: \`matchLabels\` specified but empty`);
    if (sel.matchExpressions && sel.matchExpressions.length === 0) errors.push(`${at}: invalid platform selector: \`matchExpressions\` specified but empty`);
    const { os, arch } = sel.matchLabels ?? {};
    if (os !== undefined && !OSES.includes(os)) errors.push(`${at}: unknown os "${os}"`);
    if (arch !== undefined && !ARCHES.includes(arch)) errors.push(`${at}: unknown arch "${arch}"`);
    // krew installs the first platform that matches: a second one for the same os/arch is never used.
    const key = `${os}/${arch}`;
    if (seen.has(key)) errors.push(`${at}: a second platform for ${key}`);
    seen.add(key);
  }
  return errors;
}
