package bot

// What the tutor says, as Markdown. Placeholders are filled with escaped
// values (render.EscapeMarkdown).
const (
	msgWelcome = `%s I'm your tutor for the course *%s* (%s).

**Lesson %d · %s**
%s

Here is what we can do together:
- read the lesson in short pages, with Next and Back, and pick up where you stopped (/lesson);
- take the lesson's quiz (/quiz), then go on to the next lesson; /course shows the whole course;
- fill in the lesson's prompt template and get an open-weight model recommendation for your task (/practice);
- run one prompt on DeepSeek, Qwen and Mistral side by side (/compare), keep a reference set of tasks (/tasks) and get re-testing reminders (/remind);
- see where you are (/progress), or start over (/reset).

/help lists every command.`

	msgHelpIntro = "**What I can do**\n"
	msgHelpOutro = "Buttons under my messages do the same. Your progress is saved after every step."

	msgUnknownCommand = "I don't know the command %s. /help lists what I can do."
	msgHint           = "I read commands and buttons. /lesson opens the lesson where you stopped, /quiz runs the quiz, /course shows every lesson, /help lists everything."
	msgEmpty          = "I got an empty message. /help lists what I can do."
	msgTooLong        = "That message is too long for me (%d characters; I read up to %d). Nothing was changed."
	msgTextInQuiz     = "You're in the middle of the quiz: pick an answer with the buttons under the question."
	msgBadButton      = "I don't recognise that button. Nothing was changed. /help lists what I can do."
	msgOldButton      = "That button comes from an older version of the tutor. Nothing was changed; /lesson and /quiz pick up where you are."

	msgFirstPage = "This is the first page. Next ▶ moves on."
	msgLastPage  = "You've reached the end of the lesson. Take the quiz to check what stuck."

	msgProgressLost = "Sorry: your saved progress could not be read, so you're starting fresh. It was kept aside for the operator."

	msgResetConfirm = "Start over? This clears your place in the lesson and your quiz scores."
	msgResetDone    = "Done: you're back at the start of the lesson, and your quiz scores are cleared."
)

const (
	msgPractice = "**Practice: choose an open-weight model**\n\nCopy the template, replace the parts in angle brackets and send it back to me:\n\n```text\n%s\n```\n\nYou can write the fields in any order, in English or Russian. Rather answer one question at a time? Press the button."

	msgTemplateEmpty = "I couldn't find the template's fields in that. Send it back with at least the task filled in (\"Task: …\"), or answer one question at a time."
)

const msgNoTasks = "Your reference set is empty. Keep a few tasks from your real work here and re-test models on them as they change: /tasks add <text>, or save one from /compare or /practice."

const msgNoEndpoint = "No model endpoint is configured for this tutor, so I can't run models myself. To compare models yourself: open https://openrouter.ai and try the same prompt on DeepSeek, Qwen and Mistral, or run them locally with Ollama (`ollama run qwen2.5:7b`). The operator can connect one with OPENAI_BASE_URL, OPENAI_API_KEY and TUTOR_LLM_MODEL."
