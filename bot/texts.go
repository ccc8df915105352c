package bot

// What the tutor says, as Markdown. Placeholders are filled with escaped
// values (render.EscapeMarkdown).
const (
	msgWelcome = `%s I'm your tutor for the course *%s*.

**Lesson %d · %s**
%s

Here is what we can do together:
- read the lesson in short pages, with Next and Back, and pick up where you stopped (/lesson);
- take the lesson's two-question quiz (/quiz);
- see where you are (/progress), or start over (/reset).

/help lists every command.`

	msgHelpIntro = "**What I can do**\n"
	msgHelpOutro = "Buttons under my messages do the same. Your progress is saved after every step."

	msgUnknownCommand = "I don't know the command %s. /help lists what I can do."
	msgHint           = "I read commands and buttons. /lesson opens the lesson where you stopped, /quiz runs the quiz, /help lists everything."
	msgEmpty          = "I got an empty message. /help lists what I can do."
	msgTooLong        = "That message is too long for me (%d characters; I read up to %d). Nothing was changed."
	msgTextInQuiz     = "You're in the middle of the quiz: pick an answer with the buttons under the question."
	msgBadButton      = "I don't recognise that button. Nothing was changed. /help lists what I can do."
	msgOldButton      = "That button comes from an older version of the tutor. Nothing was changed; /lesson and /quiz pick up where you are."

	msgFirstPage = "This is the first page. Next ▶ moves on."
	msgLastPage  = "You've reached the end of the lesson. Take the quiz to check what stuck."

	msgResetConfirm = "Start over? This clears your place in the lesson and your quiz scores."
	msgResetDone    = "Done: you're back at the start of the lesson, and your quiz scores are cleared."
)
