// Prints, as JSON, the unicode_loose collation data vtmigrate needs: the primary weight and
// combining class of every collation element each code point maps to (code points without an
// entry take an implicit weight; Hangul syllables are decomposed into jamo by the reader), every
// contraction, the NFD properties that bound discontiguous contractions, and the Ideographic
// ranges. Built by generate.sh inside a copy of Vitess's collation packages.
package main

import (
	"encoding/json"
	"os"
	"unicode"
	"unicode/utf8"

	"vitess.io/vitess/go/mysql/collations/vindex/collate"
	"vitess.io/vitess/go/mysql/collations/vindex/internal/colltab"
	"vitess.io/vitess/go/mysql/collations/vindex/unicode/norm"
)

type elem [2]int // primary, ccc

func elems(es []colltab.Elem) []elem {
	out := make([]elem, 0, len(es))
	for _, e := range es {
		out = append(out, elem{e.Primary(), int(e.CCC())})
	}
	return out
}

type contraction struct {
	Seq   []rune `json:"seq"`
	Elems []elem `json:"elems"`
}

func main() {
	t := collate.Table()
	singles := map[rune][]elem{}
	contractions := map[rune][]contraction{}
	normProps := map[rune][4]int{}
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		b := []byte(string(r))
		p := norm.NFD.Properties(b)
		nl := int(p.LeadCCC())
		nt := int(p.TrailCCC())
		lead, trail := norm.NLeadTrail(b)
		if nl != 0 || nt != 0 || lead != 0 || trail != 0 {
			normProps[r] = [4]int{nl, nt, lead, trail}
		}
		ce, _ := t.Lookup(b)
		if ce == 0 {
			continue // an implicit weight, or a Hangul syllable
		}
		w, sz := t.AppendNext(nil, b)
		if sz != len(b) {
			panic("size")
		}
		singles[r] = elems(w)
		if ce.Type() == 1 {
			index, n, offset := colltab.SplitContract(ce)
			walk(t, t.ContractTries[index:], n, offset, nil, func(suffix []byte, ci int) {
				var seq []rune
				for s := suffix; len(s) > 0; {
					rr, size := utf8.DecodeRune(s)
					if rr == utf8.RuneError {
						panic("bad contraction bytes")
					}
					seq = append(seq, rr)
					s = s[size:]
				}
				e := colltab.Elem(t.ContractElem[ci+offset])
				var es []colltab.Elem
				if e.Type() == 0 {
					es = []colltab.Elem{e}
				} else if e.Type() == 2 {
					i := int(uint16(e))
					n := int(t.ExpandElem[i])
					for _, x := range t.ExpandElem[i+1 : i+1+n] {
						es = append(es, colltab.Elem(x))
					}
				} else {
					panic("contraction elem type")
				}
				contractions[r] = append(contractions[r], contraction{seq, elems(es)})
			})
		}
	}
	for r := rune(0x1100); r <= 0x11FF; r++ {
		ce, _ := t.Lookup([]byte(string(r)))
		if ce.Type() != 0 {
			panic("jamo not normal")
		}
	}
	var ideo [][2]int
	for _, rg := range unicode.Ideographic.R16 {
		for x := int(rg.Lo); x <= int(rg.Hi); x += int(rg.Stride) {
			ideo = append(ideo, [2]int{x, x})
		}
	}
	for _, rg := range unicode.Ideographic.R32 {
		for x := int(rg.Lo); x <= int(rg.Hi); x += int(rg.Stride) {
			ideo = append(ideo, [2]int{x, x})
		}
	}
	var merged [][2]int
	for _, x := range ideo {
		if len(merged) > 0 && merged[len(merged)-1][1]+1 == x[0] {
			merged[len(merged)-1][1] = x[1]
		} else {
			merged = append(merged, x)
		}
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"unicodeVersion": unicode.Version,
		"singles":        singles,
		"contractions":   contractions,
		"norm":           normProps,
		"ideographic":    merged,
	})
}

// walk enumerates the contraction trie: every byte suffix that ends a contraction, with its index.
func walk(t *colltab.Table, states colltab.ContractTrieSet, n, offset int, prefix []byte, out func([]byte, int)) {
	for i := 0; i < n; i++ {
		e := states[i]
		if e.N != 0 {
			p := append(append([]byte{}, prefix...), e.L)
			if e.I != 0xFF {
				out(p, int(e.I))
			}
			walk(t, states[int(e.H)+n:], int(e.N), offset, p, out)
		} else {
			for c := int(e.L); c <= int(e.H); c++ {
				p := append(append([]byte{}, prefix...), byte(c))
				out(p, c-int(e.L)+int(e.I))
			}
		}
	}
}
