package bot

import (
	"context"
	"encoding/json"
	"fmt"
)

// myData sends the learner everything stored about them as JSON.
func (t *turn) myData() {
	key := t.ev.Key()
	t.later(func(ctx context.Context, t *turn) {
		doc := map[string]any{"key": key}
		st, err := t.e.state(key)
		if err != nil {
			t.e.log.Error("read learner for /mydata", "err", err)
			t.say(t.loc.T("ErrorReply"))
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
			t.say(t.loc.T("ErrorReply"))
			return
		}
		t.say(fmt.Sprintf("%s\n\n```json\n%s\n```", t.loc.N("MyData", len(b)), b))
	})
}

// forgetCmd asks before erasing everything about the learner.
func (t *turn) forgetCmd() {
	t.say(t.loc.T("ForgetConfirm"), []Button{{Label: t.loc.T("BtnForgetYes"), Payload: pay(kindForget, t.newConfirm())}})
}

// doForget erases the learner's record, reminder and due entries.
func (t *turn) doForget() {
	t.forget = true
	t.say(t.loc.T("ForgetDone"))
}
