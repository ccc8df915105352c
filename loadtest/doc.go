// Package loadtest proves the tutor under load, faults and bad input. It
// holds a load harness (RunLoad: simulated learners who run the whole
// journey through the fake Telegram server and the real adapter, engine and
// bbolt file, then a check of every learner's stored state against the
// replies they saw), the state checks shared with the crash test, and the
// reader of the bad-input corpus in testdata/badinput. The tests and
// benchmarks of this package run them:
//
//	go test ./loadtest                                   # CI sizes
//	go test ./loadtest -run TestLoad -load.n=1000 -v     # 1,000 learners
//	go test ./loadtest -run TestCrash -crash.runs=20 -v  # 20 SIGKILL runs
//	go test ./loadtest -run XXX -bench BenchmarkLoad     # echo vs tutor
package loadtest
