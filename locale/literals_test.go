package locale_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// learnerFacing are the packages whose strings reach learners: every
// sentence they say must come from the catalogs.
var learnerFacing = []string{"../bot", "../bot/telegram", "../bot/discord", "../bot/console"}

// notForLearners are string literals in those packages that look like
// sentences but are not said to a learner, with the reason.
var notForLearners = map[string]string{
	"Answer the user's prompt as well as you can. Keep the answer under 3000 characters.": "the system prompt /compare sends to the models",
	"every two weeks":                        "a word /remind reads from learners, not says",
	"every week":                             "a word /remind reads from learners, not says",
	"once a week":                            "a word /remind reads from learners, not says",
	"every month":                            "a word /remind reads from learners, not says",
	"once a month":                           "a word /remind reads from learners, not says",
	"every day":                              "a word /remind reads from learners, not says",
	"once a day":                             "a word /remind reads from learners, not says",
	"message is not modified":                "Telegram's error description, matched",
	"query is too old":                       "Telegram's error description, matched",
	"send message":                           "the name of a failed call, in errors for the log",
	"send document":                          "the name of a failed call, in errors for the log",
	"send photo":                             "the name of a failed call, in errors for the log",
	"Where I run it (locally / API / cloud)": "a template field name the engine parses; the modal shows ModalWhere",
	"Available GPU memory":                   "a template field name the engine parses; the modal shows ModalGPU",
	"Not quite":                              "a verdict phrase the quiz strips from lesson explanations, read not said",
	"Not really":                             "a verdict phrase the quiz strips from lesson explanations, read not said",
	"Telegram answered error %d without a description": "an error for the log",
}

// sentenceWord is a word of two or more Latin letters.
var sentenceWord = regexp.MustCompile(`[A-Za-z]{2,}`)

// looksLikeSentence reports whether s reads as English words to a person:
// at least two words of letters separated by a space, after format verbs
// and Markdown markers are dropped.
func looksLikeSentence(s string) bool {
	s = regexp.MustCompile(`%[-+# 0-9.*]*[a-zA-Z%]`).ReplaceAllString(s, " ")
	return strings.Contains(strings.TrimSpace(s), " ") && len(sentenceWord.FindAllString(s, -1)) >= 2
}

// quiet are calls whose string arguments are for operators and
// programmers, not learners: logging, errors, panics.
func quiet(call *ast.CallExpr) bool {
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		switch fn.Sel.Name {
		case "Debug", "Info", "Warn", "Error", "Log", "Logf", "Errorf", "New", "Fatal", "Fatalf", "Printf", "Println", "With", "Helper":
			if fn.Sel.Name == "New" {
				if x, ok := fn.X.(*ast.Ident); !ok || x.Name != "errors" {
					return false
				}
			}
			if fn.Sel.Name == "Printf" || fn.Sel.Name == "Println" {
				return false
			}
			return true
		}
	case *ast.Ident:
		return fn.Name == "panic"
	}
	return false
}

// TestNoEnglishSentencesInCode walks the learner-facing packages' Go
// files (not tests) for string literals that read as English sentences.
// Each one found is either moved into the catalogs or, when no learner
// ever reads it, listed in notForLearners with its reason.
func TestNoEnglishSentencesInCode(t *testing.T) {
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, dir := range learnerFacing {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(fset, file, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			var skip []ast.Node
			ast.Inspect(f, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok && quiet(call) {
					skip = append(skip, call)
					return false
				}
				// A button label of letters is said to learners even as
				// one word ("Retake").
				if kv, ok := n.(*ast.KeyValueExpr); ok {
					if key, ok := kv.Key.(*ast.Ident); ok && key.Name == "Label" {
						if lit, ok := kv.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING && sentenceWord.MatchString(lit.Value) {
							t.Errorf("%s: button label in code, not in the catalogs: %s", fset.Position(lit.Pos()), lit.Value)
						}
					}
				}
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil || !looksLikeSentence(s) {
					return true
				}
				if _, ok := notForLearners[s]; ok {
					seen[s] = true
					return true
				}
				t.Errorf("%s: English text in code, not in the catalogs: %.70q", fset.Position(lit.Pos()), s)
				return true
			})
		}
	}
	for s := range notForLearners {
		if !seen[s] {
			t.Errorf("allow-list entry no longer in the code: %.60q", s)
		}
	}
}

func TestLooksLikeSentence(t *testing.T) {
	for s, want := range map[string]bool{
		"Sorry, something went wrong.": true,
		"I don't know the command %s.": true,
		"%d\\. %s — %s":                false,
		"BadButton":                    false,
		"2 Jan 2006":                   false,
		"tutorbot-mydata.json":         false,
		"Mon 2 Jan 2006, 15:04 MST":    true,
		"Content-Type":                 false,
	} {
		if got := looksLikeSentence(s); got != want {
			t.Errorf("looksLikeSentence(%q) = %v, want %v", s, got, want)
		}
	}
}
