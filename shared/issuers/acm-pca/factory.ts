// Builds the acm-pca issuer over a Private CA client (the SDK is loaded here, on first use).
import { acmPcaOf } from '../aws-clients.ts';
import type { IssuerFactory } from '../descriptor.ts';
import { AcmPcaIssuer } from './acm-pca-issuer.ts';
import type { AcmPcaSettings } from './descriptor.ts';

export const create: IssuerFactory<AcmPcaSettings> = async (settings, context) =>
  new AcmPcaIssuer({ client: await acmPcaOf(context), certificateAuthorityArn: settings.pcaArn, templateArn: settings.templateArn });
