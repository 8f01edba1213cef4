// Reads base64 strings, one per line, on stdin; prints, per line, the hex of the bytes Vitess's
// unicode_loose vindexes hash for it (trailing spaces trimmed, as unicodeHash does).
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"

	"vitess.io/vitess/go/mysql/collations/vindex/collate"
)

type rec struct{ b []byte }

func (r *rec) Write(p []byte) (int, error) { r.b = append(r.b, p...); return len(p), nil }
func (r *rec) Sum(b []byte) []byte         { return append(b, r.b...) }
func (r *rec) Reset()                      { r.b = r.b[:0] }
func (r *rec) Size() int                   { return 0 }
func (r *rec) BlockSize() int              { return 1 }

func main() {
	h := collate.New(&rec{})
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		in, err := base64.StdEncoding.DecodeString(sc.Text())
		if err != nil {
			panic(err)
		}
		in = bytes.TrimRight(in, " ")
		fmt.Fprintln(w, hex.EncodeToString(h.Hash(in)))
	}
}
