package model

import "testing"

func TestNumParams(t *testing.T) {
	// 180,328 is the Keras model.summary() total of the reference project.
	if got := NumParams(); got != 180328 {
		t.Fatalf("NumParams = %d, want 180328", got)
	}
}

func TestMACs(t *testing.T) {
	// conv1: 26·26·32 outputs × 9 = 194,688; conv2: 11·11·32 × 288 = 1,115,136;
	// dense: 800·200 + 200·50 + 50·10 = 170,500. Total 1,480,324.
	if got := MACs(); got != 1480324 {
		t.Fatalf("MACs = %d, want 1480324", got)
	}
}
