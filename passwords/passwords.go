// Package passwords decides whether a new password is good enough: at
// least MinLength characters, at most what bcrypt reads, not the user name
// nor containing it, and not easily guessed by zxcvbn's estimate
// (github.com/trustelem/zxcvbn, Dropbox's algorithm) with the user's name
// and email address counted as words an attacker knows. Registration, the
// password change and -createadmin use the same rules.
package passwords

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/match"
)

// Limits of a password.
const (
	// MinLength is the fewest characters a password may have.
	MinLength = 8
	// MaxLength is the most bytes: bcrypt reads no further.
	MaxLength = 72
	// MinScore is the lowest zxcvbn score accepted (0 to 4; 3 is "safely
	// unguessable": about 10^8 guesses or more).
	MinScore = 3
	// minContained is the shortest user name a password may not contain;
	// a shorter one (say "al") is refused only as the whole password.
	minContained = 3
)

// Rating is what a password is worth for an account.
type Rating struct {
	// Score is zxcvbn's, 0 (too guessable) to 4 (very unguessable); 0
	// for a password refused before it is scored.
	Score int
	// Label names the rating for a strength meter: "too short", "too
	// long", "not allowed", "too weak", "good" or "strong".
	Label string
	// Problem says why the password is refused; "" if it is accepted.
	Problem string
	// Hint is the short reason a strength meter shows: what makes the
	// password guessable, or why it is refused; "" if it is accepted.
	Hint string
}

// Rate judges a password for the account with this user name and email
// (which may be empty).
func Rate(password, username, email string) Rating {
	refused := func(label, problem string) Rating { return Rating{Label: label, Problem: problem, Hint: problem} }
	switch {
	case utf8.RuneCountInString(password) < MinLength:
		return refused("too short", fmt.Sprintf("The password needs at least %d characters.", MinLength))
	case len(password) > MaxLength:
		return refused("too long", fmt.Sprintf("The password can be at most %d bytes long.", MaxLength))
	case !utf8.ValidString(password):
		return refused("not allowed", "The password contains bytes that are not valid text (UTF-8).")
	case containsName(password, username):
		return refused("not allowed", "The password must not be or contain your user name.")
	}
	result := zxcvbn.PasswordStrength(password, userInputs(username, email))
	r := Rating{Score: result.Score, Label: "good"}
	switch {
	case r.Score < MinScore:
		r.Label, r.Hint = "too weak", warning(result.Sequence, password)
		r.Problem = strings.TrimSpace("This password is too easy to guess. " + r.Hint + " Add a word or two: uncommon words are best.")
	case r.Score == 4:
		r.Label = "strong"
	}
	return r
}

// Check returns why a password is refused for the account, or "".
func Check(password, username, email string) string {
	return Rate(password, username, email).Problem
}

// containsName tells whether the password is the user name or, for a name
// of minContained characters or more, contains it, in any case.
func containsName(password, username string) bool {
	name := strings.ToLower(strings.TrimSpace(username))
	if name == "" {
		return false
	}
	p := strings.ToLower(password)
	return p == name || (utf8.RuneCountInString(name) >= minContained && strings.Contains(p, name))
}

// userInputs are the words zxcvbn is to treat as known to an attacker.
func userInputs(username, email string) []string {
	inputs := []string{}
	if username != "" {
		inputs = append(inputs, username)
	}
	if addr, err := mail.ParseAddress(email); err == nil {
		local, domain, _ := strings.Cut(addr.Address, "@")
		inputs = append(inputs, addr.Address, local, domain)
	}
	return inputs
}

// warning says what made a password guessable, after zxcvbn's feedback:
// the first part of it that is a known pattern. It never repeats the part.
func warning(sequence []*match.Match, password string) string {
	for _, m := range sequence {
		whole := m.Token == password
		switch m.Pattern {
		case "dictionary":
			switch {
			case m.DictionaryName == "user_inputs":
				return "It contains your user name or email address."
			case m.DictionaryName == "passwords" && m.Rank <= 100 && whole:
				return "It is one of the most common passwords."
			case m.DictionaryName == "passwords" && m.Rank <= 100:
				return "It is built on one of the most common passwords."
			case m.DictionaryName == "passwords" && whole:
				return "It is close to a commonly used password."
			case m.DictionaryName == "passwords":
				return "It is built on a commonly used password."
			default:
				return "Common words and names are easy to guess."
			}
		case "spatial":
			return "Keyboard patterns such as “qwerty” are easy to guess."
		case "repeat":
			return "Repeats such as “aaa” or “abcabc” are easy to guess."
		case "sequence":
			return "Sequences such as “abc” or “6543” are easy to guess."
		case "date", "regex":
			return "Dates and years are easy to guess."
		}
	}
	return ""
}
