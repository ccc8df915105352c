package practice

import (
	"strings"
	"testing"
)

// checkCardPrefilter fails when gpuRE finds a card in l that mayNameCard
// says cannot be there.
func checkCardPrefilter(t *testing.T, l string) {
	t.Helper()
	if gpuRE.FindStringSubmatchIndex(l) != nil && !mayNameCard(l) {
		t.Fatalf("gpuRE finds a card in %q, mayNameCard says none can be there", l)
	}
}

func TestCardPrefilter(t *testing.T) {
	for _, c := range gpuCards {
		k := c.key
		for _, s := range []string{k, "2x" + k, "2 × " + k, "dual " + k + "s", "rtx" + k, "nvidia geforce rtx " + k + ", 64 gb ram",
			"(" + k + ")", strings.ReplaceAll(k, " ", ""), strings.ReplaceAll(k, " ", "   "), "две " + k + "ами", "my " + k + "'s 24gb"} {
			l := strings.ToLower(s)
			checkCardPrefilter(t, l)
			if gpuRE.FindStringSubmatchIndex(l) == nil && s == k {
				t.Errorf("gpuRE does not find the card %q", k)
			}
		}
	}
	// Texts without a card skip the expression.
	for _, l := range []string{"12 gb", "no gpu, 16 гб озу", "64 gb ram", "m3 max 36gb", "a1000 48gb"} {
		if gpuRE.FindStringSubmatchIndex(l) != nil {
			t.Fatalf("gpuRE finds a card in %q", l)
		}
		if mayNameCard(l) {
			t.Errorf("mayNameCard(%q) = true: the expression runs for nothing", l)
		}
	}
}

func FuzzCardPrefilter(f *testing.F) {
	for _, s := range []string{"RTX 4090", "2x A100 80GB", "titan rtx", "Radeon 7900XTX", "4070 Ti Super", "rtx4090s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkCardPrefilter(t, strings.ToLower(s))
	})
}
