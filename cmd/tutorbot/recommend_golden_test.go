package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestRecommendGolden runs `tutorbot recommend -json` on each template in
// testdata/recommend and compares the output with its reviewed .json file.
// After an intended change, regenerate with -update and review the diff.
func TestRecommendGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "recommend", "*.txt"))
	if err != nil || len(inputs) < 5 {
		t.Fatalf("want at least 5 golden templates, got %d (%v)", len(inputs), err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".txt")
		t.Run(name, func(t *testing.T) {
			tmpl, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			if code := run(context.Background(), []string{"recommend", "-json"}, bytes.NewReader(tmpl), &out, &errOut, func(string) string { return "" }); code != 0 {
				t.Fatalf("recommend: exit %d: %s", code, errOut.String())
			}
			golden := strings.TrimSuffix(in, ".txt") + ".json"
			if *updateGolden {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/tutorbot -run TestRecommendGolden -update and review)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%s differs from the reviewed output (run with -update and review the diff):\n%s", golden, out.String())
			}
		})
	}
}
