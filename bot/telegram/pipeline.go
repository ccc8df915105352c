package telegram

import (
	"context"
	"sync"
)

// job is one update to handle; done is called once it is handled.
type job struct {
	upd  update
	done func()
}

// chatQueue holds the waiting updates of one chat. A chat is in the ready
// list or taken by exactly one worker while it has jobs, so its updates are
// handled in order, and a slow chat holds one worker, not the others' turns.
type chatQueue struct {
	id   int64
	jobs []job
}

// pipeline runs jobs on a bounded number of workers: per chat in order,
// different chats in parallel.
type pipeline struct {
	mu     sync.Mutex
	cond   *sync.Cond
	chats  map[int64]*chatQueue
	ready  []*chatQueue
	closed bool
	wg     sync.WaitGroup
}

func newPipeline(ctx context.Context, workers int, handle func(context.Context, update)) *pipeline {
	p := &pipeline{chats: map[int64]*chatQueue{}}
	p.cond = sync.NewCond(&p.mu)
	for range workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.work(ctx, handle)
		}()
	}
	go func() {
		<-ctx.Done()
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		p.cond.Broadcast()
	}()
	return p
}

// submit queues u behind the other updates of its chat.
func (p *pipeline) submit(chat int64, j job) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	q := p.chats[chat]
	if q == nil {
		q = &chatQueue{id: chat}
		p.chats[chat] = q
		p.ready = append(p.ready, q)
		p.cond.Signal()
	}
	q.jobs = append(q.jobs, j)
	return true
}

func (p *pipeline) work(ctx context.Context, handle func(context.Context, update)) {
	for {
		p.mu.Lock()
		for len(p.ready) == 0 && !p.closed {
			p.cond.Wait()
		}
		if p.closed {
			p.mu.Unlock()
			return
		}
		q := p.ready[0]
		p.ready[0] = nil
		p.ready = p.ready[1:]
		j := q.jobs[0]
		q.jobs[0] = job{}
		q.jobs = q.jobs[1:]
		p.mu.Unlock()

		handle(ctx, j.upd)
		if ctx.Err() != nil {
			return // not handled: the update is delivered again next time
		}
		if j.done != nil {
			j.done()
		}

		p.mu.Lock()
		if len(q.jobs) > 0 {
			// Back of the line: other chats get their turn first.
			p.ready = append(p.ready, q)
			p.cond.Signal()
		} else {
			delete(p.chats, q.id)
		}
		p.mu.Unlock()
	}
}

// wait blocks until every worker has stopped (after ctx ended).
func (p *pipeline) wait() { p.wg.Wait() }
