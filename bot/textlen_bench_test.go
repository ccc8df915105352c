package bot

import (
	"strings"
	"testing"
)

// BenchmarkTextLength: counting a 1 MB message, Latin and Cyrillic.
func BenchmarkTextLength(b *testing.B) {
	for _, c := range []struct{ name, s string }{{"latin-1MB", strings.Repeat("0123456789", 1<<17)}, {"cyrillic-1MB", strings.Repeat("я", 1<<19)}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				textLength(c.s)
			}
		})
	}
}
