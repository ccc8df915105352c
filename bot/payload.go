package bot

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Button payloads are short, versioned and validated:
//
//	1:<kind>[:<arg>...]
//
// A <lesson> argument is the lesson's Ref ("l" and a hash of its id), so
// renumbering lessons keeps buttons working; a plain number is the lesson's
// order, as buttons sent before courses carry it.
//
// The version comes first so that payloads from an older release can be
// recognised and answered politely. Numbers are decimal without sign.
const payloadVersion = "1"

// Payload kinds.
const (
	kindPage     = "pg" // pg:<lesson>:<page index>
	kindQuiz     = "qz" // qz:<lesson>: start or resume the quiz
	kindAnswer   = "qa" // qa:<lesson>:<attempt>:<question index>:<option index>
	kindMissed   = "qm" // qm:<lesson>:<attempt of the finished attempt>
	kindRetake   = "qr" // qr:<lesson>
	kindLesson   = "ls" // ls: resume the lesson
	kindOpen     = "lo" // lo:<lesson>: open a lesson where the learner stopped in it
	kindCourse   = "cs" // cs: the course map
	kindReset    = "rs" // rs:<confirmation number>: confirm /reset
	kindPractice = "pr" // pr:<step>[:<choice>]
	kindRemind   = "rm" // rm:<preset> (w, b, m, off)
	kindRunNow   = "rn" // rn: run the reference set now
	kindSnooze   = "rz" // rz: snooze the reminder a day
	kindTask     = "tk" // tk:rm:<task id> | tk:cp:<comparison id> | tk:pr:<submission id> | tk:lp
	kindVote     = "cv" // cv:<comparison id>:<answer index>
	kindForget   = "fg" // fg:<confirmation number>: confirm /forget
	kindLanguage = "lg" // lg:<language>: switch to that language
	kindAnnounce = "an" // an:<announcement id>:<action> (s send, c cancel, st status)
)

// argCount is the number of arguments each kind takes.
var argCount = map[string]int{
	kindPage: 2, kindQuiz: 1, kindAnswer: 4, kindMissed: 2, kindRetake: 1,
	kindLesson: 0, kindOpen: 1, kindCourse: 0, kindReset: 1, kindPractice: -1,
	kindRemind: 1, kindRunNow: 0, kindSnooze: 0, kindTask: -1, kindVote: 2, kindForget: 1, kindLanguage: 1, kindAnnounce: 2,
}

// payload is a parsed button payload.
type payload struct {
	kind string
	args []string
}

// Errors of parsePayload.
var (
	errPayloadVersion = errors.New("payload from another version")
	errPayloadBad     = errors.New("malformed payload")
)

// parsePayload validates a button payload from outside.
func parsePayload(s string) (payload, error) {
	if s == "" || len(s) > MaxPayload || !utf8.ValidString(s) {
		return payload{}, errPayloadBad
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 {
		return payload{}, errPayloadBad
	}
	if parts[0] != payloadVersion {
		if _, err := strconv.Atoi(parts[0]); err == nil {
			return payload{}, errPayloadVersion
		}
		return payload{}, errPayloadBad
	}
	n, ok := argCount[parts[1]]
	if !ok {
		return payload{}, errPayloadBad
	}
	args := parts[2:]
	if n >= 0 && len(args) != n || n < 0 && (len(args) < 1 || len(args) > 3) {
		return payload{}, errPayloadBad
	}
	for _, a := range args {
		if a == "" || len(a) > 24 {
			return payload{}, errPayloadBad
		}
	}
	return payload{kind: parts[1], args: args}, nil
}

// num returns argument i as a small non-negative number.
func (p payload) num(i int) (int, bool) {
	if i >= len(p.args) {
		return 0, false
	}
	a := p.args[i]
	if len(a) > 6 || (len(a) > 1 && a[0] == '0') {
		return 0, false
	}
	n, err := strconv.Atoi(a)
	if err != nil || n < 0 || strings.ContainsAny(a, "+-") {
		return 0, false
	}
	return n, true
}

// pay builds a payload.
func pay(kind string, args ...int) string {
	var b strings.Builder
	b.WriteString(payloadVersion)
	b.WriteByte(':')
	b.WriteString(kind)
	for _, a := range args {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(a))
	}
	return b.String()
}

// payWord builds a payload whose arguments are words.
func payWord(kind string, args ...string) string {
	return payloadVersion + ":" + kind + ":" + strings.Join(args, ":")
}
