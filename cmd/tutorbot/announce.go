package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"tutorbot/bot"
	"tutorbot/render"
)

// announceRequest is what tutorbot announce posts to the running tutor.
type announceRequest struct {
	Text     string `json:"text"`
	Audience string `json:"audience"`
	// Send confirms it; without, the tutor only counts the audience.
	Send bool `json:"send"`
}

// announceHandler serves /announce for tutorbot announce: POST makes an
// announcement (or counts its audience), GET ?id=N reports one (the
// latest without id).
func announceHandler(e *bot.Engine) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rep bot.AnnouncementReport
		switch r.Method {
		case http.MethodPost:
			var req announceRequest
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
				http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
				return
			}
			var err error
			if rep, err = e.Announce(r.Context(), req.Text, req.Audience, req.Send); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		case http.MethodGet:
			id, _ := strconv.ParseUint(r.URL.Query().Get("id"), 10, 64)
			var ok bool
			if rep, ok = e.AnnouncementStatus(id); !ok {
				http.Error(w, "no such announcement", http.StatusNotFound)
				return
			}
		default:
			http.Error(w, "GET or POST", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(rep)
	})
}

// runAnnounce makes an announcement through the running tutor, or shows
// one's delivery.
func runAnnounce(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fl := flag.NewFlagSet("announce", flag.ContinueOnError)
	fl.SetOutput(stderr)
	file := fl.String("file", "", "the announcement, a Markdown file (- reads stdin)")
	audience := fl.String("audience", "everyone", `who gets it: "everyone", or any of "cohort CODE", "unfinished N", "lang CODE"`)
	yes := fl.Bool("yes", false, "send it; without, only the preview and the audience's size are shown")
	status := fl.Bool("status", false, "show the delivery of announcement ID (default the latest)")
	from := fl.String("from", fromDefault(getenv), "the running tutor's HTTP address (HTTP_LISTEN)")
	usage := "usage: tutorbot announce -file msg.md [-audience \"cohort CODE\"] [-yes]  |  tutorbot announce -status [ID]"
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{msg: usage}
	}
	if *from == "" {
		return errors.New("announce: the tutor must be running with HTTP_LISTEN set (or give -from http://127.0.0.1:9090): announcements are sent by the running tutor")
	}
	if *status {
		if fl.NArg() > 1 {
			return usageError{msg: usage}
		}
		url := *from + "/announce"
		if fl.NArg() == 1 {
			if _, err := strconv.ParseUint(fl.Arg(0), 10, 64); err != nil {
				return usageError{msg: usage}
			}
			url += "?id=" + fl.Arg(0)
		}
		var rep bot.AnnouncementReport
		if err := announceCall(ctx, http.MethodGet, url, nil, &rep); err != nil {
			return err
		}
		c := rep.Counts
		fmt.Fprintf(stdout, "announcement %d: %s, to %s, %d recipients\nsent %d, pending %d, held %d, failed %d, unreachable %d, opted out %d, cancelled %d\n",
			rep.ID, rep.Status, rep.Audience, rep.Recipients, c["sent"], c["pending"]+c["queued"], c["held"], c["failed"], c["unreachable"], c["opted_out"], c["cancelled"])
		return nil
	}
	if *file == "" || fl.NArg() > 0 {
		return usageError{msg: usage}
	}
	var text []byte
	var err error
	if *file == "-" {
		text, err = io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	} else {
		text, err = os.ReadFile(*file)
	}
	if err != nil {
		return fmt.Errorf("announce: %w", err)
	}
	body, _ := json.Marshal(announceRequest{Text: string(text), Audience: *audience, Send: *yes})
	var rep bot.AnnouncementReport
	if err := announceCall(ctx, http.MethodPost, *from+"/announce", body, &rep); err != nil {
		return err
	}
	if rep.Problem != "" {
		return fmt.Errorf("announce: nothing sent: %s", rep.Problem)
	}
	if !*yes {
		fmt.Fprintf(stdout, "%s\n\n---\naudience: %s, %d learners\nnothing sent: run again with -yes to send it\n", render.Render(string(text), render.Plain), rep.Audience, rep.Recipients)
		return nil
	}
	fmt.Fprintf(stdout, "announcement %d: sending to %d learners (%s)\ntutorbot announce -status %d shows its delivery\n", rep.ID, rep.Recipients, rep.Audience, rep.ID)
	return nil
}

// announceCall asks the running tutor's /announce and decodes its answer.
func announceCall(ctx context.Context, method, url string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("announce: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("announce: ask the running tutor at %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
		return fmt.Errorf("announce: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("announce: read the tutor's answer: %w", err)
	}
	return nil
}
