package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"

	"rango/models"
	"rango/passwords"
)

// createAdmin creates the staff user name, or makes an existing user staff
// and ends their sessions.
// The password comes from RANGO_ADMIN_PASSWORD (passed in as envPassword)
// or is asked for on the terminal without echo; never from the arguments.
// It must pass the rules of the register page.
func createAdmin(ctx context.Context, store *models.Store, name, envPassword string) error {
	password := envPassword
	if password == "" {
		var err error
		if password, err = askPassword(); err != nil {
			return err
		}
	}
	if problem := passwords.Check(password, name, ""); problem != "" {
		return fmt.Errorf("createadmin: %s", problem)
	}
	created, err := store.MakeStaff(ctx, name, password)
	if err != nil {
		return fmt.Errorf("createadmin: %w", err)
	}
	if created {
		fmt.Printf("created staff user %s\n", name)
	} else {
		fmt.Printf("user %s is now staff, with the new password; their sessions were ended\n", name)
	}
	return nil
}

// askPassword reads a password twice from the terminal without echo.
func askPassword() (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", errors.New("createadmin: set RANGO_ADMIN_PASSWORD, or run on a terminal to type the password")
	}
	fmt.Fprint(os.Stderr, "Password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("createadmin: read password: %w", err)
	}
	fmt.Fprint(os.Stderr, "Password (again): ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("createadmin: read password: %w", err)
	}
	if string(first) != string(second) {
		return "", errors.New("createadmin: the passwords differ")
	}
	return string(first), nil
}
