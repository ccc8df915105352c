package bot

import (
	"context"
	"encoding/json"
	"fmt"
)

// msgMyData is the caption of the /mydata file; myDataFile is its name.
const (
	msgMyData  = "**Everything I store about you** is in this file (%d bytes of JSON). /forget erases it."
	myDataFile = "tutorbot-mydata.json"
)

// myData sends the learner everything stored about them as JSON.
func (t *turn) myData() {
	key := t.ev.Key()
	t.later(func(ctx context.Context, t *turn) {
		doc := map[string]any{"key": key}
		st, err := t.e.state(key)
		if err != nil {
			t.e.log.Error("read learner for /mydata", "err", err)
			t.say(errorReply)
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
			t.say(errorReply)
			return
		}
		t.attach(fmt.Sprintf(msgMyData, len(b)), File{Name: myDataFile, Data: b})
	})
}

// forgetCmd asks before erasing everything about the learner.
func (t *turn) forgetCmd() {
	t.say("Erase everything I store about you: lesson progress, quiz scores, practice history, reference set, comparisons and reminders? This cannot be undone.",
		[]Button{{Label: "Yes, erase everything", Payload: pay(kindForget, t.newConfirm())}})
}

// doForget erases the learner's record, reminder and due entries.
func (t *turn) doForget() {
	t.forget = true
	t.say("Done: everything I stored about you is erased. If you write again, you start fresh.")
}
