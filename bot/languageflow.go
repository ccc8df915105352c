package bot

import (
	"strings"
	"unicode/utf8"

	"tutorbot/render"
)

// language handles /language: without an argument it offers a button per
// language; "/language ru" switches at once.
func (t *turn) language(arg string) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		t.say(t.tr.T("LanguageChoose", "Current", t.tr.T("LanguageName")), t.languageButtons())
		return
	}
	lang, ok := t.e.msgs.Find(arg)
	if !ok {
		// Never fall back silently: an unknown word gets an answer and
		// changes nothing.
		shown := arg
		if utf8.RuneCountInString(shown) > 20 {
			shown = string([]rune(shown)[:20]) + "…"
		}
		t.say(t.tr.T("LanguageUnknown", "Lang", render.EscapeMarkdown(shown), "Langs", strings.Join(t.e.msgs.Langs(), ", ")), t.languageButtons())
		return
	}
	t.setLanguage(lang)
}

// languageButtons offers every language under its own name.
func (t *turn) languageButtons() []Button {
	var row []Button
	for _, lang := range t.e.msgs.Langs() {
		row = append(row, Button{Label: t.e.msgs.For(lang).T("LanguageName"), Payload: payWord(kindLanguage, lang)})
	}
	return row
}

// pressLanguage handles a language button.
func (t *turn) pressLanguage(p payload) {
	if !t.e.msgs.Has(p.args[0]) {
		t.ack(t.tr.T("ButtonGone"))
		t.say(t.tr.T("BadButton"))
		return
	}
	t.setLanguage(p.args[0])
}

// setLanguage switches the learner's language and says so in it. Nothing
// else changes: a quiz in progress goes on where it was.
func (t *turn) setLanguage(lang string) {
	t.st.Lang, t.st.LangOffered = lang, true
	t.tr = t.e.msgs.For(lang)
	t.say(t.tr.T("LanguageSet"))
}
