package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/storage"
)

// TestKillBetweenCommitAndSend: the tutor commits a learner's turn with its
// reply in the outbox, is killed (SIGKILL) before sending it (the test
// hook holds the sender), and after a restart on the same file the reply
// arrives, once.
func TestKillBetweenCommitAndSend(t *testing.T) {
	bin := binary(t)
	srv := telegramtest.NewServer(t)
	dbPath := filepath.Join(t.TempDir(), "tutor.db")
	cmd, exited, _ := startTutor(t, bin, srv, dbPath, "TUTORBOT_TEST_HOLD_OUTBOX=1")
	srv.PushMessage(77, 77, "/tasks add survive the crash")
	// The update is confirmed once it is handled: its turn is committed.
	deadline := time.Now().Add(10 * time.Second)
	for srv.Pending() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the update was not handled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	if n := len(srv.Sent(77)); n != 0 {
		t.Fatalf("%d messages sent while the outbox was held", n)
	}
	db, err := storage.Open(dbPath, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	db.View(func(tx *storage.Tx) error {
		stored = tx.CountOutbox()
		if tx.Learner("telegram:77") == nil {
			t.Error("the learner's turn was not committed")
		}
		return nil
	})
	db.Close()
	if stored != 1 {
		t.Fatalf("%d outbox entries after the kill, want the one reply", stored)
	}

	startTutor(t, bin, srv, dbPath)
	if !srv.WaitFor(77, 10*time.Second, func(m []telegramtest.Message) bool { return len(m) > 0 }) {
		t.Fatal("the committed reply never arrived after the restart")
	}
	time.Sleep(500 * time.Millisecond) // a second copy would arrive now
	msgs := srv.Messages(77)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Added to your reference set (1 of") {
		t.Errorf("after the restart: %+v, want the reply once", msgs)
	}
}
