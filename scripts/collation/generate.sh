#!/usr/bin/env bash
# Regenerates src/vindex/collation-table-data.ts from Vitess's unicode_loose collation tables, and
# re-checks test/fixtures/unicode-loose-weights.json against Vitess's own hasher. Needs Go and the
# Go module proxy; never run at install or test time (the generated file is committed).
#
#   bash scripts/collation/generate.sh            # writes the table, then checks the fixture
set -euo pipefail
VITESS_VERSION=${VITESS_VERSION:-v0.24.4}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

src=$(GOFLAGS=-mod=mod go mod download -json "vitess.io/vitess@$VITESS_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
# A module named vitess.io/vitess holding only the collation packages, so that small shims can
# reach their unexported tables (internal packages are importable only from inside the tree).
mkdir -p "$work/go/mysql/collations" "$work/go/hack"
cp -r "$src/go/mysql/collations/vindex" "$work/go/mysql/collations/"
cp "$src"/go/hack/*.go "$work/go/hack/"
chmod -R u+w "$work"
rm -f "$work"/go/hack/*_test.go
printf 'module vitess.io/vitess\n\ngo 1.22\n' > "$work/go.mod"
vindex="$work/go/mysql/collations/vindex"
cat > "$vindex/internal/colltab/export_dump.go" <<'GO'
package colltab

func (t *Table) Lookup(b []byte) (Elem, int)             { return t.Index.lookup(b) }
func (ce Elem) Type() int                                 { return int(ce.ctype()) }
func SplitContract(ce Elem) (index, n, offset int)        { return splitContractIndex(ce) }
GO
cat > "$vindex/collate/export_dump.go" <<'GO'
package collate

import "vitess.io/vitess/go/mysql/collations/vindex/internal/colltab"

func Table() *colltab.Table { return getTable(tableIndex{0x15, 0x0}) }
GO
cat > "$vindex/unicode/norm/export_dump.go" <<'GO'
package norm

func NLeadTrail(b []byte) (int, int) {
	p := NFD.Properties(b)
	return int(p.nLeadingNonStarters()), int(p.nTrailingNonStarters())
}
GO
mkdir -p "$vindex/cmd/dump" "$vindex/cmd/weights"
cp "$here/dump.go" "$vindex/cmd/dump/main.go"
cp "$here/weights.go" "$vindex/cmd/weights/main.go"
(cd "$work" && go run ./go/mysql/collations/vindex/cmd/dump > "$work/dump.json" && go build -o "$work/weights" ./go/mysql/collations/vindex/cmd/weights)

cd "$repo"
npx tsc -p tsconfig.json
node dist/scripts/collation/encode-table.js "$work/dump.json" > src/vindex/collation-table-data.ts
node -e '
const fs = require("fs");
const cases = JSON.parse(fs.readFileSync("test/fixtures/unicode-loose-weights.json", "utf8"));
const out = require("child_process").execFileSync(process.argv[1], { input: cases.map((c) => c[0]).join("\n") + "\n" }).toString().trim().split("\n");
const wrong = cases.filter((c, i) => c[1] !== out[i]);
console.log(`${cases.length - wrong.length}/${cases.length} fixture strings weigh as Vitess ${process.argv[2]} weighs them`);
process.exitCode = wrong.length === 0 ? 0 : 1;
' "$work/weights" "$VITESS_VERSION"
