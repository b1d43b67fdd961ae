import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

// Column types are spelled out: the process runs under a transpiler that emits no decorator metadata.

@Entity('grids')
export class GridEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'uuid', name: 'parent_id', nullable: true }) parentId: string | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
}

@Entity('buildings')
export class BuildingEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) address: string;
  @Column({ type: 'uuid', name: 'grid_id' }) gridId: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
}

@Entity('households')
export class HouseholdEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'uuid', name: 'building_id' }) buildingId: string;
  @Column({ type: 'uuid', name: 'grid_id' }) gridId: string;
  @Column({ type: 'text' }) unit: string;
  @Column({ type: 'text' }) room: string;
  @Column({ type: 'uuid', name: 'head_resident_id', nullable: true }) headResidentId: string | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
}

@Entity('residents')
export class ResidentEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'uuid', name: 'household_id' }) householdId: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) gender: string;
  @Column({ type: 'date', name: 'birth_date' }) birthDate: string;
  @Column({ type: 'text', name: 'id_card_number' }) idCardNumber: string;
  @Column({ type: 'text', nullable: true }) phone: string | null;
  @Column({ type: 'text', name: 'residency_type' }) residencyType: string;
  @Column({ type: 'text' }) status: string;
  @Column({ type: 'text', name: 'relationship_to_head' }) relationshipToHead: string;
  @Column({ type: 'text', array: true }) tags: string[];
  @Column({ type: 'date', name: 'moved_out_on', nullable: true }) movedOutOn: string | null;
  @CreateDateColumn({ type: 'timestamptz', name: 'registered_at' }) registeredAt: Date;
  @Column({ type: 'timestamptz', name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}

@Entity('grid_members')
export class GridMemberEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'text', name: 'user_id' }) userId: string;
  @Column({ type: 'text' }) name: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' }) createdAt: Date;
}

@Entity('grid_assignments')
export class GridAssignmentEntity {
  @PrimaryColumn({ type: 'uuid', name: 'grid_id' }) gridId: string;
  @PrimaryColumn({ type: 'uuid', name: 'grid_member_id' }) gridMemberId: string;
  @CreateDateColumn({ type: 'timestamptz', name: 'assigned_at' }) assignedAt: Date;
}

export const ENTITIES = [
  GridEntity,
  BuildingEntity,
  HouseholdEntity,
  ResidentEntity,
  GridMemberEntity,
  GridAssignmentEntity,
];
