<?php
// Reads "a<TAB>b" lines and prints, per line, PHP's version_compare of the
// two versions as composer/semver's VersionParser::normalize writes them
// (-1, 0, 1), "invalid" when normalize rejects either, or "asym X Y" when
// version_compare answers X for (a, b) but not -X for (b, a) (it does for
// some branches ending in a separator). For versions that are not
// branches it checks that Comparator agrees, and stops if not.
// Run: php testdata/reference.php [path/to/Composer/Semver/autoload.php]
require $argv[1] ?? '/usr/share/php/Composer/Semver/autoload.php';

use Composer\Semver\Comparator;
use Composer\Semver\VersionParser;

$parser = new VersionParser();
$out = '';
while (($line = fgets(STDIN)) !== false) {
    [$a, $b] = explode("\t", rtrim($line, "\n"), 2);
    try {
        $na = $parser->normalize($a);
        $nb = $parser->normalize($b);
    } catch (UnexpectedValueException $e) {
        $out .= "invalid\n";
        continue;
    }
    $ab = version_compare($na, $nb);
    $ba = version_compare($nb, $na);
    $out .= $ab === -$ba ? "$ab\n" : "asym $ab $ba\n";
    if (strpos($na, 'dev-') !== 0 && strpos($nb, 'dev-') !== 0) {
        $cmp = Comparator::lessThan($na, $nb) ? -1 : (Comparator::greaterThan($na, $nb) ? 1 : 0);
        if ($cmp !== $ab || Comparator::equalTo($na, $nb) !== ($ab === 0)) {
            fwrite(STDERR, "Comparator disagrees with version_compare on $na, $nb\n");
            exit(1);
        }
    }
}
echo $out;
