// Reads "a<TAB>b" lines on stdin and prints, one line each, node semver's
// order of the two versions (-1, 0, 1), or "invalid" when semver.valid
// rejects either. The module is Debian's node-semver, or SEMVER_MODULE.
// Only valid and compare are loaded: the package index also needs
// lru-cache, which a node outside Debian's does not find.
const dir = process.env.SEMVER_MODULE || '/usr/share/nodejs/semver';
const valid = require(dir + '/functions/valid');
const compare = require(dir + '/functions/compare');

const lines = require('fs').readFileSync(0, 'utf8').split('\n');
if (lines[lines.length - 1] === '') lines.pop();
const out = lines.map((line) => {
  const [a, b] = line.split('\t');
  if (valid(a) === null || valid(b) === null) return 'invalid';
  return String(compare(a, b));
});
process.stdout.write(out.join('\n') + '\n');
