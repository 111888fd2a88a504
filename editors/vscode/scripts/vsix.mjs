// Lists the entries of a .vsix (a zip) from its central directory, with their Unix modes, so
// that packaging can check exactly what it shipped. No dependency: the format is small.
import * as fs from 'node:fs';

export function vsixEntries(file) {
  const buf = fs.readFileSync(file);
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new Error(`${file} is not a zip file`);
  }
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) {
      throw new Error(`${file}: bad central directory entry ${n}`);
    }
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const mode = (buf.readUInt32LE(at + 38) >>> 16) & 0o777;
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    entries.push({ name, mode });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Throws unless the package holds exactly the expected files (and an executable server). */
export function checkVsix(file, { binary }) {
  const want = [
    '[Content_Types].xml',
    'extension.vsixmanifest',
    'extension/LICENSE.txt',
    'extension/out/extension.js',
    'extension/package.json',
    'extension/readme.md',
    'extension/schemas/cleanuppolicy-v2.json',
    'extension/schemas/cleanuppolicy-v2beta1.json',
    'extension/schemas/clustercleanuppolicy-v2.json',
    'extension/schemas/clustercleanuppolicy-v2beta1.json',
    'extension/schemas/clusterpolicy-v1.json',
    'extension/schemas/clusterpolicy-v2beta1.json',
    'extension/schemas/deletingpolicy-v1.json',
    'extension/schemas/deletingpolicy-v1alpha1.json',
    'extension/schemas/deletingpolicy-v1beta1.json',
    'extension/schemas/generatingpolicy-v1.json',
    'extension/schemas/generatingpolicy-v1alpha1.json',
    'extension/schemas/generatingpolicy-v1beta1.json',
    'extension/schemas/globalcontextentry-v2.json',
    'extension/schemas/globalcontextentry-v2alpha1.json',
    'extension/schemas/globalcontextentry-v2beta1.json',
    'extension/schemas/imagevalidatingpolicy-v1.json',
    'extension/schemas/imagevalidatingpolicy-v1alpha1.json',
    'extension/schemas/imagevalidatingpolicy-v1beta1.json',
    'extension/schemas/mutatingadmissionpolicy-v1.json',
    'extension/schemas/mutatingadmissionpolicybinding-v1.json',
    'extension/schemas/mutatingpolicy-v1.json',
    'extension/schemas/mutatingpolicy-v1alpha1.json',
    'extension/schemas/mutatingpolicy-v1beta1.json',
    'extension/schemas/namespaceddeletingpolicy-v1.json',
    'extension/schemas/namespaceddeletingpolicy-v1beta1.json',
    'extension/schemas/namespacedgeneratingpolicy-v1.json',
    'extension/schemas/namespacedgeneratingpolicy-v1beta1.json',
    'extension/schemas/namespacedimagevalidatingpolicy-v1.json',
    'extension/schemas/namespacedimagevalidatingpolicy-v1beta1.json',
    'extension/schemas/namespacedmutatingpolicy-v1.json',
    'extension/schemas/namespacedmutatingpolicy-v1beta1.json',
    'extension/schemas/namespacedvalidatingpolicy-v1.json',
    'extension/schemas/namespacedvalidatingpolicy-v1beta1.json',
    'extension/schemas/policy-v1.json',
    'extension/schemas/policy-v2beta1.json',
    'extension/schemas/policyexception-v1.json',
    'extension/schemas/policyexception-v1alpha1.json',
    'extension/schemas/policyexception-v1beta1.json',
    'extension/schemas/policyexception-v2.json',
    'extension/schemas/policyexception-v2beta1.json',
    'extension/schemas/validatingadmissionpolicy-v1.json',
    'extension/schemas/validatingadmissionpolicybinding-v1.json',
    'extension/schemas/validatingpolicy-v1.json',
    'extension/schemas/validatingpolicy-v1alpha1.json',
    'extension/schemas/validatingpolicy-v1beta1.json',
  ];
  if (binary !== undefined) {
    want.push(`extension/server/${binary}`);
  }
  want.sort();
  const entries = vsixEntries(file);
  const got = entries.map((e) => e.name);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${file} holds ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  if (binary !== undefined && !binary.endsWith('.exe')) {
    const server = entries.find((e) => e.name === `extension/server/${binary}`);
    if (server.mode !== 0o755) {
      throw new Error(`${file}: the server's mode is ${server.mode.toString(8)}, expected 755`);
    }
  }
}
