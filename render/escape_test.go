package render

import (
	"strings"
	"testing"
)

// escapeReference is EscapeMarkdown as first written, rune by rune: the
// reference the fast version is checked against.
func escapeReference(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestEscapeMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain words", "plain words"},
		{"*bold* _it_ [x](y)", `\*bold\* \_it\_ \[x\]\(y\)`},
		{"Привет, мир! 👋", `Привет\, мир\! 👋`},
		{"a\xffb", "a\uFFFDb"},
		{`\`, `\\`},
	}
	for _, tt := range tests {
		if got := EscapeMarkdown(tt.in); got != tt.want {
			t.Errorf("EscapeMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Escaped text renders as itself in every format.
	for _, s := range []string{"**x** `y` <b>z</b> & # 1. - > |a|", "R1 / V3 / V3-base (64 GB) — 4-bit"} {
		if got := Render(EscapeMarkdown(s), Plain); got != s {
			t.Errorf("Render(EscapeMarkdown(%q), Plain) = %q", s, got)
		}
	}
}

// FuzzEscapeMarkdown checks the fast escaper against the reference.
func FuzzEscapeMarkdown(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := EscapeMarkdown(s), escapeReference(s); got != want {
			t.Fatalf("EscapeMarkdown(%q) = %q, reference %q", s, got, want)
		}
	})
}

// BenchmarkEscapeMarkdown compares the escaper with the rune-by-rune
// reference on a quiz option and on text with nothing to escape.
func BenchmarkEscapeMarkdown(b *testing.B) {
	for _, in := range []struct{ name, s string }{
		{"option", "Strong reasoning and affordable APIs (R1 / V3), especially code and math."},
		{"nothing", "Strong reasoning and affordable APIs especially code and math"},
	} {
		for _, v := range []struct {
			name string
			fn   func(string) string
		}{{"fast", EscapeMarkdown}, {"reference", escapeReference}} {
			b.Run(in.name+"/"+v.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					v.fn(in.s)
				}
			})
		}
	}
}
