package bot

import (
	"context"
	"encoding/json"
)

// myDataFile is the name of the /mydata file.
const myDataFile = "tutorbot-mydata.json"

// myData sends the learner everything stored about them as JSON.
func (t *turn) myData() {
	key := t.ev.Key()
	t.later(func(ctx context.Context, t *turn) {
		doc := map[string]any{"key": key}
		st, err := t.e.state(key)
		if err != nil {
			t.e.log.Error("read learner for /mydata", "err", err)
			t.say(t.tr.T("ErrorReply"))
			return
		}
		doc["learner"] = st
		if t.e.cfg.Reminders != nil {
			if set, ok, err := t.e.cfg.Reminders.Get(key); err == nil && ok {
				doc["reminder"] = set
			}
		}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			t.say(t.tr.T("ErrorReply"))
			return
		}
		t.attach(t.tr.N("MyDataFile", len(b)), File{Name: myDataFile, Data: b})
	})
}

// forgetCmd asks before erasing everything about the learner.
func (t *turn) forgetCmd() {
	t.say(t.tr.T("ForgetConfirm"), []Button{{Label: t.tr.T("BtnForgetYes"), Payload: pay(kindForget, t.newConfirm())}})
}

// doForget erases the learner's record, reminder and due entries.
func (t *turn) doForget() {
	t.forget = true
	t.unsignCohorts()
	t.say(t.tr.T("ForgetDone"))
}
