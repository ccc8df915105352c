package storage

import (
	"encoding/binary"
	"fmt"
)

// bucketQuestions counts the questions learners ask, by normalized text:
// anonymous (never who asked), for course authors.
var bucketQuestions = []byte("questions")

// MaxQuestionKey bounds a counted question's text in bytes.
const MaxQuestionKey = 200

// QuestionCount is how often one normalized question was asked, and how
// often it was answered with low confidence (not from the course or the
// catalog).
type QuestionCount struct {
	Text  string
	Asked uint64
	Low   uint64
}

// CountQuestion adds one to the count of question q (already normalized;
// cut to MaxQuestionKey bytes), and to its low-confidence count with low.
func (t *Tx) CountQuestion(q string, low bool) error {
	if q == "" {
		return nil
	}
	if len(q) > MaxQuestionKey {
		q = q[:MaxQuestionKey]
	}
	b, err := t.tx.CreateBucketIfNotExists(bucketQuestions)
	if err != nil {
		return fmt.Errorf("count question: %w", err)
	}
	var asked, lowN uint64
	if v := b.Get([]byte(q)); len(v) == 16 {
		asked, lowN = binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])
	}
	asked++
	if low {
		lowN++
	}
	v := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, asked), lowN)
	if err := b.Put([]byte(q), v); err != nil {
		return fmt.Errorf("count question: %w", err)
	}
	return nil
}

// ForEachQuestion calls fn with every counted question.
func (t *Tx) ForEachQuestion(fn func(QuestionCount) error) error {
	b := t.tx.Bucket(bucketQuestions)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		if len(v) != 16 {
			return nil
		}
		return fn(QuestionCount{Text: string(k), Asked: binary.BigEndian.Uint64(v), Low: binary.BigEndian.Uint64(v[8:])})
	})
}
