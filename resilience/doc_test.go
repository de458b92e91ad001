// Package resilience_test checks that Rango keeps working, and loses
// nothing, when its database goes away and comes back, and when it is
// restarted.
package resilience_test
