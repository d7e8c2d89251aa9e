/// Written with tests/data/model-v1.kerust.
const FIXTURE: [[f32; 3]; 2] = [[0.3142738, 0.4489923, 0.23673394], [0.28661832, 0.52071553, 0.19266611]];
