package lessons

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// lessonFile is a valid lesson file with the given id, order and extra
// front-matter lines.
func lessonFile(id string, order int, extra ...string) []byte {
	return []byte(fmt.Sprintf("---\nid: %s\ntitle: Lesson %s\norder: %d\ncourse: Test Course\n%s\n---\n\n## Part one\n\nText of %s.\n", id, id, order, strings.Join(extra, "\n"), id))
}

func TestLoadLanguageFolders(t *testing.T) {
	fsys := fstest.MapFS{
		"en/01-a.md":   {Data: lessonFile("a", 1)},
		"en/02-b.md":   {Data: lessonFile("b", 2)},
		"ru/01-a.md":   {Data: []byte(strings.Replace(string(lessonFile("a", 1)), "course: Test Course", "course: Тестовый курс", 1))},
		"en/notes.txt": {Data: []byte("not a lesson")},
		"images/x.md":  {Data: []byte("not a language folder")},
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2 || c.Lessons[0].ID != "a" || c.Lessons[1].ID != "b" {
		t.Fatalf("lessons: %v", c.Lessons)
	}
	if got := strings.Join(c.Languages(), ","); got != "en,ru" {
		t.Errorf("languages %q", got)
	}
	l, fell := c.Lesson("a", "ru")
	if l == nil || fell || l.Lang != "ru" || l.File != "ru/01-a.md" {
		t.Errorf("a in ru: %+v, fell back %v", l, fell)
	}
	l, fell = c.Lesson("b", "ru")
	if l == nil || !fell || l.Lang != "en" {
		t.Errorf("b in ru: %+v, fell back %v", l, fell)
	}
	if l, fell = c.Lesson("b", "en"); l == nil || fell {
		t.Errorf("b in en fell back")
	}
	if l, _ = c.Lesson("nope", "en"); l != nil {
		t.Errorf("unknown id found: %v", l)
	}
	if got := c.Title("ru"); got != "Тестовый курс" {
		t.Errorf("ru title %q", got)
	}
	if got := c.Title("de"); got != "Test Course" {
		t.Errorf("fallback title %q", got)
	}
	if n := c.Next("a"); n == nil || n.ID != "b" {
		t.Errorf("next of a: %v", n)
	}
	if n := c.Next("b"); n != nil {
		t.Errorf("next of the last: %v", n)
	}
	if p := c.Previous("b"); p == nil || p.ID != "a" {
		t.Errorf("previous of b: %v", p)
	}
	if l, ok := c.ByRef(RefOf("b")); !ok || l.ID != "b" {
		t.Errorf("by ref: %v %v", l, ok)
	}
	if l, ok := c.ByOrder(2); !ok || l.ID != "b" {
		t.Errorf("by order: %v %v", l, ok)
	}
	if got := len(c.InLang("ru")); got != 1 {
		t.Errorf("ru lessons: %d", got)
	}
}

func TestLoadFlatFolderIsEnglish(t *testing.T) {
	c, err := Load(fstest.MapFS{"b.md": {Data: lessonFile("b", 2)}, "a.md": {Data: lessonFile("a", 1)}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Lessons[0].ID != "a" || c.Lessons[0].Lang != "en" {
		t.Errorf("first lesson %+v", c.Lessons[0])
	}
}

func TestEmbeddedCourseIsInLanguageFolders(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	l, fell := c.Lesson("map-of-open-weight-models", "en")
	if l == nil || fell || l.File != "en/01-map-of-open-weight-models.md" {
		t.Fatalf("lesson 1: %+v", l)
	}
}

func TestRefIsStableAndShort(t *testing.T) {
	if RefOf("map-of-open-weight-models") != RefOf("map-of-open-weight-models") {
		t.Fatal("ref not stable")
	}
	if RefOf("a") == RefOf("b") {
		t.Fatal("refs collide")
	}
	long := strings.Repeat("x", 40)
	if n := len(RefOf(long)); n > 10 {
		t.Errorf("ref of %d bytes", n)
	}
}

func TestLintCourse(t *testing.T) {
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"empty folder", fstest.MapFS{}, ".:1: no lesson files"},
		{"only other files", fstest.MapFS{"readme.txt": {Data: []byte("hi")}}, ".:1: no lesson files"},
		{"same id", fstest.MapFS{"en/1.md": {Data: lessonFile("a", 1)}, "en/2.md": {Data: lessonFile("a", 2)}}, `en/2.md:2: lesson id "a" is also used by en/1.md`},
		{"same order", fstest.MapFS{"en/1.md": {Data: lessonFile("a", 1)}, "en/2.md": {Data: lessonFile("b", 1)}}, "en/2.md:2: order 1 is also used by en/1.md"},
		{"missing order", fstest.MapFS{"en/1.md": {Data: []byte(strings.Replace(string(lessonFile("a", 1)), "order: 1\n", "", 1))}}, "en/1.md:2: front matter: order must be a positive number"},
		{"course title differs", fstest.MapFS{"en/1.md": {Data: lessonFile("a", 1)}, "en/2.md": {Data: []byte(strings.Replace(string(lessonFile("b", 2)), "Test Course", "Other", 1))}}, `en/2.md:2: course title "Other" differs from "Test Course" in en/1.md`},
		{"first lesson after previous", fstest.MapFS{"en/1.md": {Data: lessonFile("a", 1, "unlock: after-previous")}}, `en/1.md:2: unlock "after-previous": this is the first lesson`},
		{"bad date", fstest.MapFS{"en/1.md": {Data: lessonFile("a", 1, "unlock: 2027-13-45")}}, `en/1.md:6: front matter: unlock "2027-13-45"`},
		{"bad delay", fstest.MapFS{"en/1.md": {Data: lessonFile("a", 1)}, "en/2.md": {Data: lessonFile("b", 2, "unlock: 2x after-previous")}}, `en/2.md:6: front matter: unlock "2x after-previous"`},
		{"huge file", fstest.MapFS{"en/1.md": {Data: make([]byte, 5<<20)}}, "en/1.md:1: file is 5242880 bytes, larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			probs := Lint(tc.fsys)
			if len(probs) == 0 {
				t.Fatal("no problems reported")
			}
			if !strings.Contains(probs.Error(), tc.want) {
				t.Errorf("problems:\n%s\nwant %q", probs, tc.want)
			}
			if _, err := Load(tc.fsys); err == nil {
				t.Error("Load accepted it")
			}
		})
	}
}

func TestTooManyLessons(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := 1; i <= MaxLessons+200; i++ {
		fsys[fmt.Sprintf("en/%03d.md", i)] = &fstest.MapFile{Data: []byte("x")}
	}
	probs := Lint(fsys)
	if len(probs) != 1 || !strings.Contains(probs[0].String(), "500 lesson files, more than the 300") {
		t.Errorf("problems: %v", probs)
	}
}

func TestParseUnlock(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	done := time.Date(2027, 1, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		prev   time.Time
		want   time.Time
		known  bool
		isOpen bool
	}{
		{"", time.Time{}, time.Time{}, true, true},
		{"after-previous", time.Time{}, time.Time{}, false, false},
		{"after-previous", done, done, true, false},
		{"2d after-previous", done, done.Add(48 * time.Hour), true, false},
		{"12h after-previous", done, done.Add(12 * time.Hour), true, false},
		{"2027-01-15", time.Time{}, time.Date(2027, 1, 15, 0, 0, 0, 0, loc), true, false},
	}
	for _, tc := range tests {
		r, err := ParseUnlock(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if r.Open() != tc.isOpen {
			t.Errorf("%q: open %v", tc.in, r.Open())
		}
		at, ok := r.At(tc.prev, loc)
		if ok != tc.known || !at.Equal(tc.want) {
			t.Errorf("%q: at %v %v, want %v %v", tc.in, at, ok, tc.want, tc.known)
		}
		if r.String() != tc.in {
			t.Errorf("%q: String %q", tc.in, r.String())
		}
	}
	for _, bad := range []string{"tomorrow", "2d", "-2d after-previous", "400d after-previous", "after previous", "2027-02-30", "1e9h after-previous"} {
		if _, err := ParseUnlock(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(lessonFile("a", 1), lessonFile("b", 2, "unlock: 2d after-previous"))
	f.Add([]byte("---\nid: x\n---\n"), []byte(""))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		c, err := Load(fstest.MapFS{"en/a.md": {Data: a}, "ru/b.md": {Data: b}})
		if (c == nil) == (err == nil) {
			t.Fatalf("course %v and error %v", c, err)
		}
		if c != nil && (c.Len() == 0 || c.First() == nil) {
			t.Fatal("empty course")
		}
	})
}

func TestReloadReusesUnchangedLessons(t *testing.T) {
	fsys := fstest.MapFS{"en/a.md": {Data: lessonFile("a", 1)}, "en/b.md": {Data: lessonFile("b", 2)}}
	first, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	fsys["en/b.md"] = &fstest.MapFile{Data: []byte(strings.Replace(string(lessonFile("b", 2)), "Text of b.", "New text of b.", 1))}
	second, err := Reload(fsys, first)
	if err != nil {
		t.Fatal(err)
	}
	a1, _ := first.Lesson("a", "en")
	a2, _ := second.Lesson("a", "en")
	b1, _ := first.Lesson("b", "en")
	b2, _ := second.Lesson("b", "en")
	if a1 != a2 {
		t.Error("the unchanged lesson was parsed again")
	}
	if b1 == b2 || !strings.Contains(b2.Body, "New text of b.") {
		t.Errorf("the changed lesson was not read again: %q", b2.Body)
	}
	// A reused lesson still takes part in the course's checks.
	fsys["en/c.md"] = &fstest.MapFile{Data: lessonFile("a", 3)}
	if _, err := Reload(fsys, second); err == nil || !strings.Contains(err.Error(), `lesson id "a" is also used by en/a.md`) {
		t.Errorf("a duplicate id next to a reused lesson: %v", err)
	}
}

// TestUnreadableLessonFile reports a lesson file that cannot be read (a
// dangling link) with its name, and loads nothing.
func TestUnreadableLessonFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "en"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "en", "01-a.md"), lessonFile("a", 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "missing.md"), filepath.Join(dir, "en", "02-b.md")); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	probs := Lint(os.DirFS(dir))
	if len(probs) != 1 || !strings.HasPrefix(probs[0].String(), "en/02-b.md:1: read:") {
		t.Errorf("problems: %v", probs)
	}
	if _, err := Load(os.DirFS(dir)); err == nil {
		t.Error("a folder with an unreadable lesson loaded")
	}
}
