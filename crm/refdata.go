package crm

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"time"
)

// The reference data ships inside the binary: the centres and services lists published for
// Huduma Kenya, our short names for them in both languages, which centres run which county
// desks, and the public holidays we know of. Seeding writes it to the store; the operator edits
// the store from then on.
//
//go:embed refdata/*.csv
var refdataFS embed.FS

// DefaultRefData parses the embedded reference data.
func DefaultRefData() (RefData, error) {
	var d RefData
	err := readCSV("refdata/centres.csv", []string{"code", "name", "county", "town"}, func(r []string) error {
		d.Centres = append(d.Centres, Centre{Code: r[0], Name: r[1], County: r[2], Town: r[3]})
		return nil
	})
	if err != nil {
		return d, err
	}
	err = readCSV("refdata/services.csv", []string{"code", "institution", "service", "scope", "short_en", "short_sw"}, func(r []string) error {
		scope := ServiceScope(r[3])
		if scope != ScopeNational && scope != ScopeCounty {
			return fmt.Errorf("service %s: unknown scope %q", r[0], r[3])
		}
		d.Services = append(d.Services, Service{Code: r[0], Institution: r[1], Name: r[2], Scope: scope, ShortEN: r[4], ShortSW: r[5]})
		return nil
	})
	if err != nil {
		return d, err
	}
	err = readCSV("refdata/offerings.csv", []string{"centre", "service"}, func(r []string) error {
		d.Offerings = append(d.Offerings, Offering{Centre: r[0], Service: r[1]})
		return nil
	})
	if err != nil {
		return d, err
	}
	err = readCSV("refdata/holidays.csv", []string{"day", "name"}, func(r []string) error {
		day, err := time.Parse(time.DateOnly, r[0])
		if err != nil {
			return fmt.Errorf("holiday %q: %w", r[0], err)
		}
		d.Holidays = append(d.Holidays, Holiday{Day: day, Name: r[1]})
		return nil
	})
	return d, err
}

func readCSV(name string, header []string, row func([]string) error) error {
	f, err := refdataFS.Open(name)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = len(header)
	got, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", name, err)
	}
	for i := range header {
		if got[i] != header[i] {
			return fmt.Errorf("%s: column %d is %q, want %q", name, i+1, got[i], header[i])
		}
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := row(rec); err != nil {
			line, _ := r.FieldPos(0)
			return fmt.Errorf("%s line %d: %w", name, line, err)
		}
	}
}
