package practice

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// policyYAML holds the licenses, use policies, family origins and model
// lineage that every pick is filtered by, each with its public source.
//
//go:embed policy.yaml
var policyYAML []byte

// Domain is a use domain that a license or use policy may forbid.
type Domain string

// The use domains the policies name.
const (
	// DomainMilitary: military, warfare, weapons, espionage.
	DomainMilitary Domain = "military"
	// DomainAutomatedDecisions: automated decisions on people's material or
	// legal rights (credit, hiring, insurance, housing, healthcare, legal).
	DomainAutomatedDecisions Domain = "automated-decisions"
	// DomainSexual: sexually explicit content.
	DomainSexual Domain = "sexual-content"
)

var knownDomains = map[Domain]bool{DomainMilitary: true, DomainAutomatedDecisions: true, DomainSexual: true}

// License is one license with the clauses that decide whether a model
// under it may be named for a case.
type License struct {
	ID    string   `yaml:"id"`
	Name  string   `yaml:"name"`
	Match []string `yaml:"match"`
	// Commercial is yes, no or conditional.
	Commercial Commercial `yaml:"commercial"`
	// Production is false when only research, testing or evaluation use is allowed.
	Production bool `yaml:"production"`
	// MAULimit: a product above this many monthly active users needs another license (0: none).
	MAULimit int64 `yaml:"mau_limit"`
	// Forbidden lists the use domains the license or its use policy forbids.
	Forbidden []Domain `yaml:"forbidden"`
	// EUMultimodal: multimodal rights are withheld from EU-based companies.
	EUMultimodal bool `yaml:"eu_multimodal"`
	// Terms is the one-line summary shown to learners, per language.
	Terms  map[string]string `yaml:"terms"`
	Source string            `yaml:"source"`
}

// TermsIn is the license summary in lang, English when there is none.
func (l *License) TermsIn(lang string) string {
	if s := l.Terms[lang]; s != "" {
		return s
	}
	return l.Terms["en"]
}

// Permissive reports an OSI license without use or user-count clauses.
func (l *License) Permissive() bool { return l.ID == "apache-2.0" || l.ID == "mit" }

func (l *License) forbids(d Domain) bool {
	for _, x := range l.Forbidden {
		if x == d {
			return true
		}
	}
	return false
}

// FamilyInfo is where a model family comes from.
type FamilyInfo struct {
	Family  string `yaml:"family"`
	Country string `yaml:"country"`
	Vendor  string `yaml:"vendor"`
	// APIDataCountry is where the family's own API keeps data ("" if unknown).
	APIDataCountry string `yaml:"api_data_country"`
	// StrongLanguages are languages the family is known to be best at
	// beyond English.
	StrongLanguages []string `yaml:"strong_languages"`
	Source          string   `yaml:"source"`
}

// Lineage records a derivative's base model.
type Lineage struct {
	Model       string `yaml:"model"`
	BaseFamily  string `yaml:"base_family"`
	BaseLicense string `yaml:"base_license"`
	Source      string `yaml:"source"`
}

// Policy is the parsed rule data: licenses, origins and lineage.
type Policy struct {
	Licenses []License    `yaml:"licenses"`
	Origins  []FamilyInfo `yaml:"families"`
	Lineage  []Lineage    `yaml:"lineage"`

	byMatch  map[string]*License
	byID     map[string]*License
	families map[string]*FamilyInfo
	lineage  map[string]*Lineage
}

// ParsePolicy parses and validates policy data in the embedded format.
func ParsePolicy(b []byte) (*Policy, error) {
	var p Policy
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("parse policy: %w", err)
	}
	p.byMatch = map[string]*License{}
	p.byID = map[string]*License{}
	p.families = map[string]*FamilyInfo{}
	p.lineage = map[string]*Lineage{}
	for i := range p.Licenses {
		l := &p.Licenses[i]
		switch {
		case l.ID == "" || l.Name == "":
			return nil, fmt.Errorf("policy license %d: id and name are required", i+1)
		case l.Source == "":
			return nil, fmt.Errorf("policy license %s: a source is required", l.ID)
		case l.Terms["en"] == "" || l.Terms["ru"] == "":
			return nil, fmt.Errorf("policy license %s: terms in en and ru are required", l.ID)
		case p.byID[l.ID] != nil:
			return nil, fmt.Errorf("policy license %s: duplicate id", l.ID)
		}
		switch l.Commercial {
		case CommercialYes, CommercialNo, CommercialConditional:
		default:
			return nil, fmt.Errorf("policy license %s: commercial %q is not yes/no/conditional", l.ID, l.Commercial)
		}
		for _, d := range l.Forbidden {
			if !knownDomains[d] {
				return nil, fmt.Errorf("policy license %s: unknown domain %q", l.ID, d)
			}
		}
		p.byID[l.ID] = l
		for _, m := range l.Match {
			if p.byMatch[m] != nil {
				return nil, fmt.Errorf("policy: license string %q matched twice", m)
			}
			p.byMatch[m] = l
		}
	}
	for i := range p.Origins {
		f := &p.Origins[i]
		if !knownFamily(f.Family) || f.Country == "" || f.Vendor == "" || f.Source == "" {
			return nil, fmt.Errorf("policy family %q: a known family, country, vendor and source are required", f.Family)
		}
		p.families[f.Family] = f
	}
	for _, f := range Families {
		if p.families[f] == nil {
			return nil, fmt.Errorf("policy: family %s has no origin", f)
		}
	}
	for i := range p.Lineage {
		l := &p.Lineage[i]
		if !knownFamily(l.BaseFamily) || p.byID[l.BaseLicense] == nil || l.Source == "" {
			return nil, fmt.Errorf("policy lineage %q: a known base family, base license and source are required", l.Model)
		}
		p.lineage[l.Model] = l
	}
	return &p, nil
}

// check verifies that every catalog model has a license the policy knows
// and that every lineage row names a catalog model.
func (p *Policy) check(c *Catalog) error {
	var errs []error
	for i := range c.Models {
		if p.byMatch[c.Models[i].License] == nil {
			errs = append(errs, fmt.Errorf("policy: %s has license %q, which no policy license matches", c.Models[i].ID, c.Models[i].License))
		}
	}
	for id := range p.lineage {
		if _, ok := c.ByID(id); !ok {
			errs = append(errs, fmt.Errorf("policy lineage: %s is not in the catalog", id))
		}
	}
	return errors.Join(errs...)
}

// modelRules is what the policy says of one catalog model, worked out once
// per catalog so that ranking allocates nothing for it.
type modelRules struct {
	lics []*License // its own license and its base model's
	fams []string   // its family and, for a derivative, its base family
	main *License   // the license that binds it most
}

// rulesFor works out m's rules.
func (p *Policy) rulesFor(m *Model) modelRules {
	return modelRules{lics: p.LicensesOf(m), fams: p.FamiliesOf(m), main: p.MainLicense(m)}
}

// LicensesOf lists every license m is under: its own and its base model's.
func (p *Policy) LicensesOf(m *Model) []*License {
	out := make([]*License, 0, 2)
	if l := p.byMatch[m.License]; l != nil {
		out = append(out, l)
	}
	if lin := p.lineage[m.ID]; lin != nil {
		if l := p.byID[lin.BaseLicense]; l != nil && (len(out) == 0 || out[0] != l) {
			out = append(out, l)
		}
	}
	return out
}

// MainLicense is the license that binds m most: its base model's
// restrictive license when it has one, else its own.
func (p *Policy) MainLicense(m *Model) *License {
	ls := p.LicensesOf(m)
	for _, l := range ls {
		if !l.Permissive() {
			return l
		}
	}
	if len(ls) > 0 {
		return ls[0]
	}
	return nil
}

// FamiliesOf lists m's family and, for a derivative, its base family.
func (p *Policy) FamiliesOf(m *Model) []string {
	if lin := p.lineage[m.ID]; lin != nil && lin.BaseFamily != m.Family {
		return []string{m.Family, lin.BaseFamily}
	}
	return []string{m.Family}
}

// Family returns what the policy knows of family f.
func (p *Policy) Family(f string) *FamilyInfo { return p.families[f] }

// BaseFamily is the family a derivative was built on, or "".
func (p *Policy) BaseFamily(m *Model) string {
	if lin := p.lineage[m.ID]; lin != nil && lin.BaseFamily != m.Family {
		return lin.BaseFamily
	}
	return ""
}

func (p *Policy) countryOf(family string) string {
	if f := p.families[family]; f != nil {
		return f.Country
	}
	return ""
}

// vendorFamily maps a vendor or country word to the families it covers.
func (p *Policy) familiesFrom(country string) []string {
	var out []string
	for _, f := range p.Origins {
		if strings.EqualFold(f.Country, country) {
			out = append(out, f.Family)
		}
	}
	return out
}
