/** What every resolver receives; auth fills `viewer` (see the control plane issue). */
export interface GraphQLContext {
  requestId: string;
}
