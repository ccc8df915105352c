package lessons_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"tutorbot/lessons"
)

// lessonFile is a one-question lesson; edit changes its front matter.
func lessonFile(id string, order int, title, answer string, options ...string) []byte {
	if len(options) == 0 {
		options = []string{"a", "b"}
	}
	var opts strings.Builder
	for _, o := range options {
		opts.WriteString("      - id: " + o + "\n        text: Option " + o + "\n        explain: Because.\n")
	}
	return []byte("---\nid: " + id + "\ntitle: " + title + "\norder: " + string(rune('0'+order)) + "\ncourse: C\nsubtitle: S\nquiz:\n  - id: q1\n    question: Q?\n    answer: " + answer + "\n    options:\n" + opts.String() + "---\n\n## Part\n\nText.\n")
}

func TestCrossLanguageLint(t *testing.T) {
	en := lessonFile("one", 1, "One", "a")
	cases := []struct {
		name string
		ru   []byte
		want string
	}{
		{"answer differs", lessonFile("one", 1, "Один", "b"), `question "q1" has the answer "b", not "a"`},
		{"options differ", lessonFile("one", 1, "Один", "a", "a", "c"), `question "q1" has options [a, c], not [a, b]`},
		{"order differs", lessonFile("one", 2, "Один", "a"), "order 2 differs from 1"},
		{"question ids differ", []byte(strings.Replace(string(lessonFile("one", 1, "Один", "a")), "id: q1", "id: q2", 1)), "quiz questions [q2] differ from [q1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"en/01.md": {Data: en}, "ru/01.md": {Data: tc.ru}}
			probs := lessons.Lint(fsys)
			if !strings.Contains(probs.Error(), tc.want) || !strings.Contains(probs.Error(), "ru/01.md:") {
				t.Errorf("lint:\n%v\nwant a problem in ru/01.md containing %q", probs, tc.want)
			}
			if _, err := lessons.Load(fsys); err == nil {
				t.Error("a course whose translations disagree loaded")
			}
		})
	}
}

func TestMissingTranslationIsAWarning(t *testing.T) {
	fsys := fstest.MapFS{
		"en/01.md": {Data: lessonFile("one", 1, "One", "a")},
		"en/02.md": {Data: lessonFile("two", 2, "Two", "a")},
		"ru/01.md": {Data: lessonFile("one", 1, "Один", "a")},
	}
	if probs := lessons.Lint(fsys); len(probs) > 0 {
		t.Fatalf("a missing translation is an error: %v", probs)
	}
	warns := lessons.LintWarnings(fsys)
	if len(warns) != 1 || !strings.Contains(warns[0].String(), `lesson "two" has no ru version`) {
		t.Errorf("warnings = %v", warns)
	}
	c, err := lessons.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if l, fell := c.Lesson("two", "ru"); !fell || l.Lang != "en" {
		t.Errorf("lesson two in ru: %v, fell back %v", l.Lang, fell)
	}
	if l, fell := c.Lesson("one", "ru"); fell || l.Title != "Один" {
		t.Errorf("lesson one in ru: %q, fell back %v", l.Title, fell)
	}
}

// TestShippedCourseInEveryLanguage: every shipped lesson exists in English
// and Russian and the translations agree.
func TestShippedCourseInEveryLanguage(t *testing.T) {
	if probs := lessons.Lint(lessons.Content()); len(probs) > 0 {
		t.Fatal(probs)
	}
	if warns := lessons.LintWarnings(lessons.Content()); len(warns) > 0 {
		t.Errorf("shipped course: %v", warns)
	}
	c, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Languages(); strings.Join(got, ",") != "en,ru" {
		t.Errorf("languages = %v", got)
	}
	for _, base := range c.Lessons {
		l, fell := c.Lesson(base.ID, "ru")
		if fell {
			t.Errorf("lesson %s has no Russian version", base.ID)
			continue
		}
		if !strings.Contains(l.Practice, "Задача:") || !strings.Contains(l.Practice, "Где запускаю (локально / API / облако):") ||
			!strings.Contains(l.Practice, "Доступная память GPU:") || !strings.Contains(l.Practice, "Ограничения:") {
			t.Errorf("Russian template lacks a field name:\n%s", l.Practice)
		}
		// Every section of the English lesson, and no other.
		headings := func(file string) []string {
			b, err := fs.ReadFile(lessons.Content(), file)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, line := range strings.Split(string(b), "\n") {
				if h, ok := strings.CutPrefix(line, "#"); ok {
					out = append(out, strings.Fields(h)[0])
				}
			}
			return out
		}
		if en, ru := headings(base.File), headings(l.File); strings.Join(en, " ") != strings.Join(ru, " ") {
			t.Errorf("section levels differ:\nen %v\nru %v", en, ru)
		}
	}
}
